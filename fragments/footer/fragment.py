"""The site footer: what the shop promises, where to browse, and a way back up."""

from __future__ import annotations

from django.http import HttpRequest

from fragments.kit.backends import get_json_or
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
    owner="storefront",
    description="Site footer: promises, categories and a link back to the top.",
)
