"""Jinja2 rendering of a fragment's templates (`fragments/<name>/templates/`), translated.

Templates mark their text with `_("...")` and `ngettext(...)` (Jinja's i18n extension, its
"new style": `%(name)s` placeholders filled and escaped by the call), bound to Django's
translation functions, so the text comes out in the language the kit activated for the
request (fragments/kit/locale.py) from the fragment's catalog.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from django.utils import translation

from fragments.kit.money import charged, money, won_per_cent
from tessera.runtime.env import REPO_ROOT


@jinja2.pass_context
def _money(context: jinja2.runtime.Context, cents: int, currency: str = "EUR") -> str:
    """`money` as a filter: one taking the context is never folded into a template's
    compiled code (`100 | money`), so it says the amount in each render's language."""
    return money(cents, currency)


@cache
def environment(fragment: str) -> jinja2.Environment:
    """The template environment of one fragment; autoescaping on."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(REPO_ROOT / "fragments" / fragment / "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]  (added by the extension)
        translation.gettext, translation.ngettext, newstyle=True
    )
    env.filters["money"] = _money
    env.filters["charged"] = charged
    env.globals["won_per_cent"] = won_per_cent
    env.globals["language"] = translation.get_language
    env.globals["fragment"] = fragment
    return env


def render(fragment: str, template: str, **context: Any) -> str:
    """Render one of `fragment`'s templates to HTML, in the current language."""
    return environment(fragment).get_template(template).render(**context)
