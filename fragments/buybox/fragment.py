"""The buy box: price, stock and "Add to cart".

Adding goes to the cart's BFF (`/bff/cart/items`), the one owner of carts; the buy box then
announces the new count with a `cart:updated` event for whoever shows it.
"""

from __future__ import annotations

import asyncio

from django.http import HttpRequest

from fragments.kit.backends import backend_path, get_json_or
from fragments.kit.caching import Caching
from fragments.kit.fragment import Fragment, NotFound
from fragments.kit.params import is_sku
from fragments.kit.rendering import render as render_template

MAX_PER_ORDER = 10
LOW_STOCK = 5


async def render(request: HttpRequest, sku: str) -> str:
    if not is_sku(sku):
        raise NotFound(sku)
    price, stock = await asyncio.gather(
        get_json_or(None, "pricing", backend_path("prices", sku)),
        get_json_or(None, "inventory", backend_path("stock", sku)),
    )
    saving = 0
    if price and price["deal"] and price["list_price_cents"]:
        saving = round(100 * (1 - price["price_cents"] / price["list_price_cents"]))
    return render_template(
        "buybox",
        "buybox.html",
        sku=sku,
        price=price,
        saving=saving,
        stock=stock,
        low_stock=LOW_STOCK,
        choices=range(1, min(MAX_PER_ORDER, stock["quantity"] if stock else 0) + 1),
    )


fragment = Fragment(
    name="buybox",
    render=render,
    path="/fragment/{sku}",
    styles=("buybox.css",),
    scripts=("buybox.js",),
    timeout_ms=600,
    # The same for everyone (price and stock of the SKU in its URL; adding goes through the
    # cart's BFF with the browser's own token). Stock moves with every order: five seconds
    # fresh, five more while refreshed. Only ten minutes standing in for a failed buy box,
    # not a day: it is where the shopper decides on price and "Only 3 left". Without price
    # or stock it is degraded (no Add to cart): no-store.
    caching=Caching(shared=True, max_age=5, stale_while_revalidate=5, stale_if_error=600),
    owner="checkout",
    description="Price, stock and the Add to cart button of a product.",
)
