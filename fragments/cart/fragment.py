"""The cart: the cart page's fragment, and the cart BFF every "add to cart" goes through.

The visitor is who the shell's signed token says (never a cookie); lines are priced from the
pricing backend, named from the catalog and checked against the inventory at the time they
are shown. Adding and changing ask the inventory first and tell the cart backend how many
are in stock, which it enforces ("Only 3 left."); while the inventory cannot be asked, only
the cart's own limit holds (a cart is not an order: checkout checks stock again), save for a
product the catalog says does not exist, which has none to sell either. A write
the cart backend took is answered as done (2xx) whatever else fails, with a degraded view:
an error would have the shopper retry, and each retry of "add" adds another unit.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import Field, Router, Schema
from pydantic import StrictInt

from fragments.kit.backends import (
    BackendError,
    add_image_relay,
    backend_path,
    bff_error,
    call,
    get_json,
    get_json_or,
)
from fragments.kit.caching import NO_STORE
from fragments.kit.fragment import Fragment
from fragments.kit.params import SKU_PATTERN, SkuPath
from fragments.kit.rendering import render as render_template
from fragments.kit.visitor import require_visitor, visitor_of
from tessera.runtime.openapi import problem

MAX_QUANTITY = 99
#: The cart backend's refusal of a quantity above the stock, as it words it (in English).
OVER_STOCK = re.compile(r"Only (?P<left>[0-9]+) left(?:, and your cart has (?P<held>[0-9]+) .*)?")

bff = Router(tags=["cart"])
add_image_relay(bff)


class ItemIn(Schema):
    sku: str = Field(..., pattern=SKU_PATTERN, description="the product to add")
    # Strict: `true`, `2.0` and `"2"` are refused, not read as a quantity.
    quantity: StrictInt = Field(1, ge=1, le=MAX_QUANTITY)


class QuantityIn(Schema):
    quantity: StrictInt = Field(..., ge=0, le=MAX_QUANTITY, description="0 removes the line")


class Line(Schema):
    sku: str
    name: str
    image: str
    quantity: int
    price_cents: int | None
    line_cents: int | None
    available: int | None = Field(description="in stock now; null when it cannot be checked")
    stock_note: str | None = Field(
        description="set when the stock is below the quantity, in the caller's language"
    )


class CartView(Schema):
    count: int
    lines: list[Line]
    subtotal_cents: int
    currency: str
    complete: bool = Field(description="false when a price could not be found")


def stock_note(quantity: int, available: int | None) -> str | None:
    """What a line says when the stock dropped below its quantity (None when it did not, or
    the stock is unknown)."""
    if available is None or available >= quantity:
        return None
    if available == 0:
        return _("Out of stock now: remove it to check out.")
    return ngettext(
        "Only %(num)d left: lower the quantity to check out.",
        "Only %(num)d left: lower the quantity to check out.",
        available,
    ) % {"num": available}


def refusal_in_words(exc: BackendError) -> str | None:
    """The cart backend's refusals (in English) in this BFF's words, in the current language."""
    if exc.status == 404:
        return _("This product is no longer in your cart.")
    if exc.status == 422:
        return _("Your cart cannot hold more of this.")
    if exc.status != 409:
        return None
    found = OVER_STOCK.match(str(exc.detail or ""))
    if found is None:
        return _("Sorry, this product is out of stock.")
    left = int(found["left"])
    if found["held"] is None:
        return ngettext("Only %(num)d left.", "Only %(num)d left.", left) % {"num": left}
    return ngettext(
        "Only %(num)d left, and your cart has %(held)s of them already.",
        "Only %(num)d left, and your cart has %(held)s of them already.",
        left,
    ) % {"num": left, "held": found["held"]}


async def cart_view(cart: dict[str, Any], *, prices_required: bool = True) -> CartView:
    """The backend's cart with names, prices and stock for showing it.

    Names and stock are for showing only: without the catalog a line is named by its SKU
    (as checkout names it), without the inventory it has no stock note. Without pricing
    the view is a BackendError, unless `prices_required` is false: after a write the cart
    backend has already taken, whose answer must say it was done (an error would invite a
    retry that adds another unit), its lines then come unpriced and `complete` false.
    """
    skus = [item["sku"] for item in cart["items"]]
    products: dict[str, dict] = {}
    prices: dict[str, dict] = {}
    stock: dict[str, int] = {}
    if skus:
        pricing = (
            get_json("pricing", "/prices", sku=skus)
            if prices_required
            else get_json_or([], "pricing", "/prices", sku=skus)
        )
        found, priced, levels = await asyncio.gather(
            get_json_or({"items": []}, "catalog", "/products", sku=skus, limit=100),
            pricing,
            get_json_or([], "inventory", "/stock", sku=skus),  # without it, no stock notes
        )
        products = {p["sku"]: p for p in found["items"]}
        prices = {p["sku"]: p for p in priced}
        stock = {s["sku"]: s["quantity"] for s in levels}
    lines = []
    for item in cart["items"]:
        price = prices.get(item["sku"], {}).get("price_cents")
        available = stock.get(item["sku"])
        lines.append(
            Line(
                sku=item["sku"],
                name=products.get(item["sku"], {}).get("name", item["sku"]),
                image=f"/bff/cart/images/{item['sku']}.svg",
                quantity=item["quantity"],
                price_cents=price,
                line_cents=None if price is None else price * item["quantity"],
                available=available,
                stock_note=stock_note(item["quantity"], available),
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
    """The cart backend's answer to a call, as the view of the cart it leaves.

    A failed call is the cart backend's refusal (relayed: nothing was written) or a 502
    inviting a retry. A 502 does not prove that nothing was written: a call that got no
    answer in time (a timeout, a dropped connection) may have been committed by the cart
    backend all the same, and a retried "add" then adds one more unit (which the view the
    retry answers shows; a change or removal says what to hold, so its retry is harmless).
    Once a write is answered, the answer says it is done whatever else fails: the view is
    then degraded (lines named by their SKU, unpriced, `complete` false), never an error,
    since a retry of "add" would add another unit.
    """
    unavailable = _("the cart is unavailable right now, please try again")
    try:
        cart = await call("cart", method, path, json=payload)
    except BackendError as exc:  # the cart's refusal of what the browser sent goes back
        return bff_error(exc, unavailable, refusal_in_words)
    written = method != "GET"
    try:
        return await cart_view(cart, prices_required=not written)
    except BackendError:  # a read (prices required) failed: nothing was written
        return problem(502, unavailable)


@bff.get("/", response=CartView, summary="The visitor's cart")
async def show(request: HttpRequest):
    return await _cart_call("GET", backend_path("carts", require_visitor(request)))


async def available(sku: str) -> int | None:
    """How many of `sku` are in stock (0 for one the inventory does not know); None when the
    inventory cannot be asked, unless the catalog says there is no such product: that is 0
    too (a product the shop does not sell has none to sell, whichever backend says so)."""
    try:
        stock = await get_json("inventory", backend_path("stock", sku))
    except BackendError as exc:
        if exc.status == 404:
            return 0
        return 0 if await unknown_to_catalog(sku) else None
    return stock["quantity"]


async def unknown_to_catalog(sku: str) -> bool:
    """Whether the catalog says there is no product `sku` (not when it cannot be asked)."""
    try:
        await get_json("catalog", backend_path("products", sku))
    except BackendError as exc:
        return exc.status == 404
    return False


@bff.post("/items", response=CartView, summary="Add a product to the cart")
async def add(request: HttpRequest, item: ItemIn):
    """At most what is in stock, counting what the cart holds already: a 409 says how many
    are left ("Only 3 left, and your cart has 3 of them already.")."""
    path = backend_path("carts", require_visitor(request), "items")
    return await _cart_call("POST", path, {**item.dict(), "available": await available(item.sku)})


@bff.patch("/items/{sku}", response=CartView, summary="Change a line's quantity")
async def change(request: HttpRequest, sku: SkuPath, change: QuantityIn):
    """At most what is in stock (a 409 says how many are left); 0 removes the line."""
    path = backend_path("carts", require_visitor(request), "items", sku)
    if change.quantity == 0:
        return await _cart_call("DELETE", path)
    return await _cart_call("PATCH", path, {**change.dict(), "available": await available(sku)})


@bff.delete("/items/{sku}", response=CartView, summary="Remove a line")
async def remove(request: HttpRequest, sku: SkuPath):
    return await _cart_call("DELETE", backend_path("carts", require_visitor(request), "items", sku))


async def render(request: HttpRequest) -> str:
    """The cart page's part: the visitor's lines, priced when pricing answers. Without
    prices the lines are shown all the same, unpriced and without a subtotal, so that the
    shopper can still change and remove them; only without the cart itself there is none."""
    visitor = visitor_of(request)
    view: CartView | None = None
    if visitor is not None:
        try:
            cart = await get_json("cart", backend_path("carts", visitor))
            view = await cart_view(cart, prices_required=False)
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
