"""The site header: logo, category navigation, search box and mini-cart."""

from __future__ import annotations

from django.http import HttpRequest

from fragments.kit.backends import BackendError, get_json
from fragments.kit.fragment import Fragment
from fragments.kit.rendering import render as render_template


async def render(request: HttpRequest) -> str:
    try:
        categories = await get_json("catalog", "/categories")
    except BackendError:
        categories = []
    return render_template("header.html", categories=categories, query=request.GET.get("q", ""))


fragment = Fragment(
    name="header",
    render=render,
    path="/fragment",
    styles=("header.css",),
    timeout_ms=500,
)
