"""The home page's category entry points: a tile per category with its icon, name and count.

Each tile links to the category's page. The icons are Lucide's (the `lucide` package), named
by the catalog and drawn inline, so the tiles cost no request of their own and take their
size from the first byte (no layout shift).
"""

from __future__ import annotations

from django.http import HttpRequest
from lucide import IconDoesNotExist
from lucide.jinja import lucide
from markupsafe import Markup

from fragments.kit.backends import get_json_or
from fragments.kit.caching import Caching
from fragments.kit.fragment import Fragment
from fragments.kit.rendering import render as render_template

#: The icon of a category that names none, or one the icon set does not have.
DEFAULT_ICON = "shopping-bag"
ICON_SIZE = 40


def icon(name: str) -> Markup:
    """Lucide's icon `name` as inline SVG, hidden from assistive technology (the tile's text
    says it all); the default icon for an unknown name."""
    attributes = {"aria_hidden": "true", "focusable": "false", "class": "categories__icon"}
    try:
        return lucide(name or DEFAULT_ICON, size=ICON_SIZE, **attributes)
    except IconDoesNotExist:
        return lucide(DEFAULT_ICON, size=ICON_SIZE, **attributes)


async def render(request: HttpRequest) -> str:
    categories = await get_json_or([], "catalog", "/categories")
    if not categories:  # nothing to offer: the slot stays empty (a degraded answer, no-store)
        return ""
    return render_template("categories", "categories.html", categories=categories, icon=icon)


fragment = Fragment(
    name="categories",
    render=render,
    path="/fragment",
    styles=("categories.css",),
    timeout_ms=500,
    # The same for everyone; categories and their counts change seldom: a minute fresh, ten
    # more served at once while refreshed, a day standing in for a failed fetch. It varies on
    # the locale, the one header its text depends on: its words and the catalog's category
    # names, which the kit asks the catalog for in the page's language.
    caching=Caching(
        shared=True,
        max_age=60,
        stale_while_revalidate=600,
        stale_if_error=86_400,
        vary=("x-tessera-locale",),
    ),
    owner="merchandising",
    description="Category entry points on the home page: icon, name and product count.",
)
