"""The home page's hero: today's deals, with more loaded through the hero's BFF.

A deal that is sold out stays listed (it is still today's price) but says "Out of stock".
Prices are formatted in the page's language (₩ on a Korean page, fragments/kit/money.py), the
BFF's in its caller's.
"""

from __future__ import annotations

import asyncio

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from fragments.kit.backends import (
    BackendError,
    add_image_relay,
    bff_error,
    get_json,
    get_json_or,
)
from fragments.kit.caching import Caching
from fragments.kit.fragment import Fragment
from fragments.kit.money import money
from fragments.kit.rendering import render as render_template

PAGE_SIZE = 12  # two rows of six on a laptop's screen
MAX_DEALS = 60  # what the pricing backend lists at most

bff = Router(tags=["hero"])


class Deal(Schema):
    sku: str
    name: str
    image: str
    price: str = Field(description="the deal price, formatted in the caller's language")
    list_price: str = Field(description="the usual price, formatted in the caller's language")
    saving_percent: int
    in_stock: bool | None = Field(description="null when the inventory cannot tell")


class DealsPage(Schema):
    page: int
    has_more: bool
    items: list[Deal]


async def deals_page(page: int) -> DealsPage:
    """One page of the current deals (pricing), biggest discount first, named by the catalog,
    with their stock (the inventory's; unknown while it cannot be asked)."""
    wanted = page * PAGE_SIZE
    deals = await get_json("pricing", "/deals", limit=min(MAX_DEALS, wanted + 1))
    shown = deals[wanted - PAGE_SIZE : wanted]
    names: dict[str, str] = {}
    stock: dict[str, bool] = {}
    if shown:
        skus = [d["sku"] for d in shown]
        found, levels = await asyncio.gather(
            get_json("catalog", "/products", sku=skus, limit=100),
            get_json_or([], "inventory", "/stock", sku=skus),
        )
        names = {p["sku"]: p["name"] for p in found["items"]}
        stock = {s["sku"]: s["in_stock"] for s in levels}
    items = [
        Deal(
            sku=d["sku"],
            name=names.get(d["sku"], d["sku"]),
            image=f"/bff/hero/images/{d['sku']}.svg",
            price=money(d["price_cents"], d["currency"]),
            list_price=money(d["list_price_cents"], d["currency"]),
            saving_percent=round(100 * (1 - d["price_cents"] / d["list_price_cents"])),
            in_stock=stock.get(d["sku"]),
        )
        for d in shown
    ]
    return DealsPage(page=page, has_more=len(deals) > wanted, items=items)


@bff.get("/deals", response=DealsPage)
async def deals(request: HttpRequest, page: int = Query(1, ge=1, le=100)):
    """More deals for the "More deals" button."""
    try:
        return await deals_page(page)
    except BackendError as exc:
        return bff_error(exc, _("deals are unavailable right now"))


add_image_relay(bff)


async def render(request: HttpRequest) -> str:
    try:
        first = await deals_page(1)
    except BackendError:
        first = None
    return render_template("hero", "hero.html", deals=first)


fragment = Fragment(
    name="hero",
    render=render,
    path="/fragment",
    styles=("hero.css",),
    scripts=("hero.js",),
    bff=bff,
    timeout_ms=800,
    # The same deals for everyone; deals change with pricing, which a minute may lag (the
    # prices are rechecked in the cart). A day's stale-if-error: yesterday's deals beat an
    # empty home page. "Deals are taking a break" (pricing down) is degraded: no-store.
    caching=Caching(shared=True, max_age=60, stale_while_revalidate=300, stale_if_error=86_400),
    owner="merchandising",
    description="Today's deals, with more loaded on demand.",
)
