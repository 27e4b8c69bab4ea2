"""Jinja2 rendering for fragment templates, with `static()` for hashed asset URLs."""

from __future__ import annotations

import base64
from functools import cache
from typing import Any

import jinja2
from django.conf import settings
from django.templatetags.static import static

from tessera.conf import REPO_ROOT


def svg_data_uri(svg: str) -> str:
    """Inline an SVG image (e.g. a generated product picture) as a data: URI."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(REPO_ROOT / "fragments" / settings.FRAGMENT / "templates"),
        autoescape=True,
        enable_async=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static"] = static
    env.globals["fragment"] = settings.FRAGMENT
    env.filters["svg_data_uri"] = svg_data_uri
    return env


def render(template: str, **context: Any) -> str:
    """Render one of this fragment's templates to HTML."""
    return environment().get_template(template).render(**context)
