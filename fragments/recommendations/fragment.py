"""Recommendations: products related to the one shown, sold-out ones marked. Slow by nature,
so it is async: the shell streams it into a placeholder below the fold (`aria-busy="true"`,
until the shell's script moves it in) after the rest of the page."""

from __future__ import annotations

import asyncio

from django.http import HttpRequest
from ninja import Router

from fragments.kit.backends import add_image_relay, backend_path, get_json, get_json_or
from fragments.kit.caching import Caching
from fragments.kit.fragment import Fragment, NotFound
from fragments.kit.params import is_sku
from fragments.kit.rendering import render as render_template

SHOWN = 4

bff = Router(tags=["recommendations"])
add_image_relay(bff)


async def render(request: HttpRequest, sku: str) -> str:
    if not is_sku(sku):
        raise NotFound(sku)
    path = backend_path("products", sku, "related")
    related = (await get_json("recommendations", path, limit=SHOWN))["related"]
    items: list[dict] = []
    if related:
        found, priced, levels = await asyncio.gather(
            get_json("catalog", "/products", sku=related, limit=SHOWN),
            get_json_or([], "pricing", "/prices", sku=related),
            get_json_or([], "inventory", "/stock", sku=related),
        )
        by_sku = {p["sku"]: p for p in found["items"]}
        prices = {p["sku"]: p for p in priced}
        stock = {s["sku"]: s["in_stock"] for s in levels}
        items = [
            {**by_sku[s], "price": prices.get(s), "in_stock": stock.get(s)}
            for s in related
            if s in by_sku
        ]
    return render_template("recommendations", "recommendations.html", items=items)


fragment = Fragment(
    name="recommendations",
    render=render,
    path="/fragment/{sku}",
    styles=("recommendations.css",),
    bff=bff,
    timeout_ms=1500,
    # Related to the product, not to the visitor (the recommender is asked by SKU only), so
    # public; it is slow by nature and changes slowly: a minute fresh, ten more while
    # refreshed (it shows prices), a day standing in for a failure. Were it ever made per
    # visitor, this must become shared=False. Without prices or stock it is degraded:
    # no-store.
    caching=Caching(shared=True, max_age=60, stale_while_revalidate=600, stale_if_error=86_400),
    is_async=True,
    owner="personalisation",
    description="Products related to the one shown (async, below the fold).",
)
