"""Jinja2 rendering of a fragment's templates (`fragments/<name>/templates/`)."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2

from tessera.runtime.env import REPO_ROOT


def money(cents: int, currency: str = "EUR") -> str:
    """A price for people: `money(123456, "EUR")` is "€1,234.56"."""
    symbol = {"EUR": "€", "USD": "$", "GBP": "£"}.get(currency, currency + " ")
    return f"{symbol}{cents // 100:,}.{cents % 100:02d}"


@cache
def environment(fragment: str) -> jinja2.Environment:
    """The template environment of one fragment; autoescaping on."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(REPO_ROOT / "fragments" / fragment / "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = money
    env.globals["fragment"] = fragment
    return env


def render(fragment: str, template: str, **context: Any) -> str:
    """Render one of `fragment`'s templates to HTML."""
    return environment(fragment).get_template(template).render(**context)
