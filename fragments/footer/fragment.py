"""The site footer: what the shop promises, where to browse, and a way back up."""

from __future__ import annotations

from django.http import HttpRequest

from fragments.kit.backends import get_json_or
from fragments.kit.caching import Caching
from fragments.kit.fragment import Fragment
from fragments.kit.rendering import render as render_template


async def render(request: HttpRequest) -> str:
    categories = await get_json_or([], "catalog", "/categories")
    return render_template("footer", "footer.html", categories=categories)


fragment = Fragment(
    name="footer",
    render=render,
    path="/fragment",
    styles=("footer.css",),
    timeout_ms=500,
    # The same for everyone (fixed promises and the category list), and the categories
    # change seldom: a minute fresh, ten more served at once while refreshed, and a day
    # standing in for a failed footer. Without the catalog it leaves out "Browse": that
    # answer is degraded, hence no-store (the kit).
    caching=Caching(shared=True, max_age=60, stale_while_revalidate=600, stale_if_error=86_400),
    owner="storefront",
    description="Site footer: promises, categories and a link back to the top.",
)
