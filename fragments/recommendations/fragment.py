"""Recommendations: products related to the one shown. Slow by nature, so it is async: the
shell streams it in below the fold after the rest of the page."""

from __future__ import annotations

import asyncio

from django.http import HttpRequest
from ninja import Router

from fragments.kit.backends import BackendError, add_image_relay, get_json
from fragments.kit.fragment import Fragment
from fragments.kit.rendering import render as render_template

SHOWN = 4

bff = Router(tags=["recommendations"])
add_image_relay(bff)


async def render(request: HttpRequest, sku: str) -> str:
    related = (await get_json("recommendations", f"/products/{sku}/related", limit=SHOWN))[
        "related"
    ]
    items: list[dict] = []
    if related:
        found, priced = await asyncio.gather(
            get_json("catalog", "/products", sku=related, limit=SHOWN),
            _prices(related),
        )
        by_sku = {p["sku"]: p for p in found["items"]}
        items = [{**by_sku[s], "price": priced.get(s)} for s in related if s in by_sku]
    return render_template("recommendations", "recommendations.html", items=items)


async def _prices(skus: list[str]) -> dict[str, dict]:
    try:
        return {p["sku"]: p for p in await get_json("pricing", "/prices", sku=skus)}
    except BackendError:
        return {}


fragment = Fragment(
    name="recommendations",
    render=render,
    path="/fragment/{sku}",
    styles=("recommendations.css",),
    bff=bff,
    timeout_ms=1500,
    is_async=True,
    owner="personalisation",
    description="Products related to the one shown (async, below the fold).",
)
