"""The cart: the cart page's fragment, and the cart BFF every "add to cart" goes through.

The visitor is who the shell's signed token says (never a cookie); lines are priced from the
pricing backend and named from the catalog at the time they are shown.
"""

from __future__ import annotations

import asyncio
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from pydantic import StrictInt

from fragments.kit.backends import (
    BackendError,
    add_image_relay,
    backend_path,
    bff_error,
    call,
    get_json,
)
from fragments.kit.caching import NO_STORE
from fragments.kit.fragment import Fragment
from fragments.kit.params import SKU_PATTERN, SkuPath
from fragments.kit.rendering import render as render_template
from fragments.kit.visitor import require_visitor, visitor_of
from tessera.runtime.openapi import problem

MAX_QUANTITY = 99

bff = Router(tags=["cart"])
add_image_relay(bff)


class ItemIn(Schema):
    sku: str = Field(..., pattern=SKU_PATTERN, description="the product to add")
    # Strict: `true`, `2.0` and `"2"` are refused, not read as a quantity.
    quantity: StrictInt = Field(1, ge=1, le=MAX_QUANTITY)


class QuantityIn(Schema):
    quantity: StrictInt = Field(..., ge=1, le=MAX_QUANTITY)


class Line(Schema):
    sku: str
    name: str
    image: str
    quantity: int
    price_cents: int | None
    line_cents: int | None


class CartView(Schema):
    count: int
    lines: list[Line]
    subtotal_cents: int
    currency: str
    complete: bool = Field(description="false when a price could not be found")


async def cart_view(cart: dict[str, Any]) -> CartView:
    """The backend's cart with names and prices for showing it."""
    skus = [item["sku"] for item in cart["items"]]
    products: dict[str, dict] = {}
    prices: dict[str, dict] = {}
    if skus:
        found, priced = await asyncio.gather(
            get_json("catalog", "/products", sku=skus, limit=100),
            get_json("pricing", "/prices", sku=skus),
        )
        products = {p["sku"]: p for p in found["items"]}
        prices = {p["sku"]: p for p in priced}
    lines = []
    for item in cart["items"]:
        price = prices.get(item["sku"], {}).get("price_cents")
        lines.append(
            Line(
                sku=item["sku"],
                name=products.get(item["sku"], {}).get("name", item["sku"]),
                image=f"/bff/cart/images/{item['sku']}.svg",
                quantity=item["quantity"],
                price_cents=price,
                line_cents=None if price is None else price * item["quantity"],
            )
        )
    currency = next(iter(prices.values()), {}).get("currency", "EUR")
    return CartView(
        count=cart["count"],
        lines=lines,
        subtotal_cents=sum(line.line_cents or 0 for line in lines),
        currency=currency,
        complete=all(line.line_cents is not None for line in lines),
    )


async def _cart_call(
    method: str, path: str, payload: dict | None = None
) -> CartView | HttpResponse:
    unavailable = "the cart is unavailable right now, please try again"
    try:
        cart = await call("cart", method, path, json=payload)
    except BackendError as exc:  # the cart's refusal of what the browser sent goes back
        return bff_error(exc, unavailable)
    try:
        return await cart_view(cart)
    except BackendError:  # the catalog's or pricing's refusal is not the browser's doing
        return problem(502, unavailable)


@bff.get("/", response=CartView, summary="The visitor's cart")
async def show(request: HttpRequest):
    return await _cart_call("GET", backend_path("carts", require_visitor(request)))


@bff.post("/items", response=CartView, summary="Add a product to the cart")
async def add(request: HttpRequest, item: ItemIn):
    path = backend_path("carts", require_visitor(request), "items")
    return await _cart_call("POST", path, item.dict())


@bff.patch("/items/{sku}", response=CartView, summary="Change a line's quantity")
async def change(request: HttpRequest, sku: SkuPath, change: QuantityIn):
    path = backend_path("carts", require_visitor(request), "items", sku)
    return await _cart_call("PATCH", path, change.dict())


@bff.delete("/items/{sku}", response=CartView, summary="Remove a line")
async def remove(request: HttpRequest, sku: SkuPath):
    return await _cart_call("DELETE", backend_path("carts", require_visitor(request), "items", sku))


async def render(request: HttpRequest) -> str:
    visitor = visitor_of(request)
    view: CartView | None = None
    if visitor is not None:
        try:
            view = await cart_view(await get_json("cart", backend_path("carts", visitor)))
        except BackendError:
            view = None
    else:
        view = CartView(count=0, lines=[], subtotal_cents=0, currency="EUR", complete=True)
    return render_template("cart", "cart.html", cart=view, max_quantity=MAX_QUANTITY)


fragment = Fragment(
    name="cart",
    render=render,
    path="/fragment",
    styles=("cart.css",),
    scripts=("cart.js",),
    bff=bff,
    timeout_ms=800,
    # Nothing kept: the whole page is the visitor's cart, which the visitor changes on this
    # very page (and from every buy box) through the cart's BFF, unseen by the shell's cache.
    # A private copy with any freshness or stale-if-error would show lines already changed,
    # and shoppers edit quantities from what it shows; one revalidated on each use would
    # save only its bytes, for one more per-visitor entry on a page seldom seen twice. If
    # the cart backend fails the fragment says so itself ("cannot be shown right now").
    caching=NO_STORE,
    owner="checkout",
    description="The cart page, and the cart BFF that adds, changes and removes items.",
)
