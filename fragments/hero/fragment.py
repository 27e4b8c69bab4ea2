"""The home page's hero: today's deals, with more loaded through the hero's BFF."""

from __future__ import annotations

import httpx
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema

from fragments.kit.backends import BackendError, backend, get_json
from fragments.kit.fragment import Fragment
from fragments.kit.rendering import render as render_template

PAGE_SIZE = 4

bff = Router(tags=["hero"])


class Deal(Schema):
    sku: str
    name: str
    category: str
    image: str


class DealsPage(Schema):
    page: int
    has_more: bool
    items: list[Deal]


async def deals_page(page: int) -> DealsPage:
    """One page of deals from the catalog backend."""
    data = await get_json("catalog", "/products", limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    items = [
        Deal(
            sku=p["sku"],
            name=p["name"],
            category=p["category"],
            image=f"/bff/hero/images/{p['sku']}.svg",
        )
        for p in data["items"]
    ]
    return DealsPage(page=page, has_more=page * PAGE_SIZE < data["total"], items=items)


@bff.get("/deals", response=DealsPage)
async def deals(request: HttpRequest, page: int = Query(1, ge=1, le=100)):
    """More deals for the "More deals" button."""
    return await deals_page(page)


@bff.get("/images/{sku}.svg")
async def image(request: HttpRequest, sku: str) -> HttpResponse:
    """A product picture, relayed from the catalog backend."""
    try:
        response = await backend("catalog").get(f"/products/{sku}/image.svg")
    except httpx.HTTPError:
        return HttpResponse(status=502)
    if response.status_code != 200:
        return HttpResponse(status=404 if response.status_code == 404 else 502)
    relayed = HttpResponse(response.content, content_type="image/svg+xml")
    relayed["Cache-Control"] = "public, max-age=86400"
    return relayed


async def render(request: HttpRequest) -> str:
    try:
        first = await deals_page(1)
    except BackendError:
        first = None
    return render_template("hero.html", deals=first)


fragment = Fragment(
    name="hero",
    render=render,
    path="/fragment",
    styles=("hero.css",),
    scripts=("hero.js",),
    bff=bff,
    timeout_ms=800,
)
