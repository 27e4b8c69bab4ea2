"""Jinja2 rendering for fragment templates, with `static()` for hashed asset URLs."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from django.conf import settings
from django.templatetags.static import static

from tessera.conf import REPO_ROOT


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
    return env


def render(template: str, **context: Any) -> str:
    """Render one of this fragment's templates to HTML."""
    return environment().get_template(template).render(**context)
