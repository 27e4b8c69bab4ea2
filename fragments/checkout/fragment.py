"""Checkout: the checkout page (address, delivery, payment, review, confirmation) and its BFF.

The BFF does not orchestrate placing the order: it hands the orders service a saga to run
(backends/orders/saga.py says why there) and reports how it ends. What it does itself is
what only the shopper's request can do: it turns the card number into a payment token (the
number goes to the payment service and nowhere else), and it names and prices the cart's
lines at the moment the order is placed. The browser's idempotency key is bound to its
visitor (hashed together), so a retried request joins the same saga and no visitor can
read another's; another key while the visitor's order is still being placed (a second
tab) is refused by the orders service (a 409 of type `busy`), and the shopper told so in
words (`BUSY`). A card's expiry is checked here, to say why in the shopper's language, by
the rule payments holds it to again (tessera/runtime/cards.py).

It sends the page's title (`Checkout`, in the page's language), which the shell takes
from the page's primary fragment: checkout is that on its page.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema
from pydantic import field_validator
from pydantic_core import PydanticCustomError

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
from fragments.kit.fragment import Fragment, Rendered
from fragments.kit.params import VisibleLine
from fragments.kit.rendering import render as render_template
from fragments.kit.visitor import require_visitor, visitor_of
from tessera.runtime.cards import (
    EXPIRY,
    EXPIRY_RULE,
    MAX_CARD_YEARS,
    expiry_fault,
    today,
    well_formed,
)
from tessera.runtime.openapi import problem

bff = Router(tags=["checkout"])
add_image_relay(bff)

#: The browser's key for one attempt at placing an order (a UUID, say).
CLIENT_KEY = r"^[A-Za-z0-9-]{16,64}$"
KeyPath = Annotated[str, Path(pattern=CLIENT_KEY, description="the attempt's key")]
#: The `type` of a 422's entry refusing a card's expiry (the page's script shows its `msg`).
EXPIRY_ERROR = "card_expiry"
#: Countries the shop delivers to, as the form offers them.
COUNTRIES = {
    "AT": gettext_lazy("Austria"),
    "BE": gettext_lazy("Belgium"),
    "DE": gettext_lazy("Germany"),
    "ES": gettext_lazy("Spain"),
    "FR": gettext_lazy("France"),
    "GB": gettext_lazy("United Kingdom"),
    "IE": gettext_lazy("Ireland"),
    "IT": gettext_lazy("Italy"),
    "KR": gettext_lazy("South Korea"),
    "NL": gettext_lazy("Netherlands"),
}
#: The country the form starts with, by the page's language (else `DEFAULT_COUNTRY`).
HOME_COUNTRIES = {"ko": "KR"}
DEFAULT_COUNTRY = "NL"
#: Delivery methods when the orders service cannot be asked (it prices them).
DELIVERY = [{"method": "standard", "cents": 0}, {"method": "express", "cents": 990}]
DELIVERY_NAMES = {
    "standard": gettext_lazy("Standard delivery (3 to 5 days)"),
    "express": gettext_lazy("Express (next day)"),
}
UNAVAILABLE = gettext_lazy(
    "Your order could not be placed right now. Nothing was charged; please try again."
)
#: A second order while the visitor's first is still being placed (another tab, say): the
#: orders service refuses it (409), and this is what the shopper is told.
BUSY = gettext_lazy(
    "An order for this cart is already being placed, perhaps in another tab or window. "
    "Please wait until it is finished, then check your cart before ordering again."
)
#: Another conflict of the orders service with this attempt (its key already placing an
#: order for other lines, and that order not to be found): the page starts over.
CONFLICT = gettext_lazy(
    "This order could not be placed as it is. Please reload the page, check your cart and "
    "place the order again."
)
#: The cart's subtotal is not the one the shopper reviewed (changed in another tab since
#: this page was made): nothing is placed, and the shopper reviews again.
REVIEWED_OTHER = gettext_lazy(
    "Your cart changed since you opened this page, perhaps in another tab or window. Nothing "
    "was placed or charged: please reload the page and review your order again."
)
#: The `type` of the orders service's refusal of a second checkout (its `BUSY_TYPE`).
BUSY_TYPE = "busy"
#: What the shopper is told when a checkout failed, by the orders service's reason.
MESSAGES = {
    "declined": gettext_lazy(
        "Your card was declined. Nothing was charged and your cart is unchanged: "
        "please check the details or use another card."
    ),
    "out_of_stock": gettext_lazy(
        "Sorry, some items are no longer available in the quantity you chose. "
        "Nothing was charged and your cart is unchanged."
    ),
    "reservation_lost": gettext_lazy(
        "Sorry, we could not keep your items for you. Nothing was charged "
        "and your cart is unchanged: please try again."
    ),
    "payment_refused": gettext_lazy(
        "The payment could not be made. Nothing was charged and your cart is "
        "unchanged: please use another card."
    ),
    # The cart no longer held the units when the order came to take them: a line removed,
    # or bought by the visitor's checkout in another tab. Left as that change left it.
    "cart_changed": gettext_lazy(
        "Your cart changed while this order was being placed, perhaps in another tab or "
        "window, so it was not placed and nothing was charged. Please check your cart and "
        "place the order again."
    ),
}
#: The `type` of a 422's entry refusing the card's number or security code (payments'
#: refusal, in the BFF's words: the page's script shows its `msg` as it does an expiry's).
CARD_ERROR = "card_invalid"
#: The BFF's words for payments' refusal of a card's field (payments says it in English).
CARD_FIELDS = {
    "number": gettext_lazy("This card number is not valid: please check it."),
    "expiry": gettext_lazy("Enter the expiry date as MM/YY."),
    "cvc": gettext_lazy("Enter the 3 or 4 digit security code."),
}


class Address(Schema):
    name: VisibleLine = Field(..., min_length=1, max_length=100)
    street: VisibleLine = Field(..., min_length=1, max_length=200)
    city: VisibleLine = Field(..., min_length=1, max_length=100)
    postcode: VisibleLine = Field(..., min_length=1, max_length=16)
    country: str = Field(..., pattern="^(" + "|".join(COUNTRIES) + ")$")


def expiry_refusal(expiry: str) -> str | None:
    """Why a card with `expiry` (MM/YY, as `Card` took it) cannot pay today, in the current
    language; None when it can. The rule is tessera/runtime/cards.py's, which payments
    holds the card to again; `today` is this module's, for tests to put another date in."""
    fault = expiry_fault(expiry, today())
    if fault == "expired":
        return _("This card has expired.")
    if fault == "too_far":
        return _("Check the expiry date: no card is valid for more than %(years)d years.") % {
            "years": MAX_CARD_YEARS
        }
    return None


class Card(Schema):
    number: str = Field(..., pattern=r"^[0-9 ]{12,23}$", description="digits (spaces allowed)")
    expiry: str = Field(
        ...,
        pattern=EXPIRY,
        description=EXPIRY_RULE,
    )
    cvc: str = Field(..., pattern=r"^[0-9]{3,4}$")

    @field_validator("expiry", mode="before")
    @classmethod
    def _well_formed(cls, expiry: Any) -> Any:
        """A malformed expiry (month 13) is refused in the caller's language (the BFF's
        validation runs in it); whether the card can pay today is `place`'s to say."""
        if isinstance(expiry, str) and not well_formed(expiry):
            raise PydanticCustomError(EXPIRY_ERROR, _("Enter the expiry date as MM/YY."))
        return expiry  # anything but a string is left to the field's type


class PlaceIn(Schema):
    key: str = Field(..., pattern=CLIENT_KEY, description="the same for a retried attempt")
    address: Address
    delivery: Literal["standard", "express"]
    card: Card
    reviewed: str | None = Field(
        None,
        pattern=r"^[0-9a-f]{32}$",
        description="the page's `data-reviewed`: the cart's lines as the shopper reviewed "
        "them (`review_digest`); an order for a cart that has changed since (other "
        "products, quantities or prices) is refused (409), not placed for other lines",
    )


class CheckoutState(Schema):
    key: str
    status: str = Field(description="pending, completed or failed")
    message: str = Field(description="what to tell the shopper, in the caller's language")
    reason: str
    order_number: str
    total_cents: int
    currency: str
    cart_count: int | None = Field(description="items left in the cart once completed")


def busy(exc: BackendError) -> bool:
    """Whether `exc` is the orders service's refusal of a second checkout while the
    visitor's first is under way: a 409 whose detail is one entry of type `busy`, told
    apart from its other conflicts (a key used for other lines), which are not that."""
    return (
        exc.status == 409
        and isinstance(exc.detail, list)
        and any(isinstance(entry, dict) and entry.get("type") == BUSY_TYPE for entry in exc.detail)
    )


def saga_key(visitor: str, key: str) -> str:
    """The orders service's key for the browser's `key`: its visitor's alone."""
    return "co-" + hashlib.sha256(f"{visitor}\n{key}".encode()).hexdigest()[:40]


async def priced_cart(visitor: str) -> dict[str, Any]:
    """The visitor's cart with each line's name and unit price; BackendError when the cart
    or pricing fails. A name is for showing (and for the order's lines) only: without the
    catalog a line is named by its SKU.

    Pricing answers for every product it knows, so a line it answered without a price is
    one the shop does not sell (unknown, or no longer sold: the cart took it while the
    inventory, which would have refused it, was down): `unsold` lists those lines. No
    retry prices them; the shopper has to remove them."""
    cart = await get_json("cart", backend_path("carts", visitor))
    skus = [item["sku"] for item in cart["items"]]
    products: dict[str, dict] = {}
    prices: dict[str, dict] = {}
    if skus:
        found, priced = await asyncio.gather(
            get_json_or({"items": []}, "catalog", "/products", sku=skus, limit=100),
            get_json("pricing", "/prices", sku=skus),
        )
        products = {p["sku"]: p for p in found["items"]}
        prices = {p["sku"]: p for p in priced}
    lines = [
        {
            "sku": item["sku"],
            "name": products.get(item["sku"], {}).get("name", item["sku"]),
            "quantity": item["quantity"],
            "unit_cents": prices.get(item["sku"], {}).get("price_cents"),
            "image": f"/bff/checkout/images/{item['sku']}.svg",
        }
        for item in cart["items"]
    ]
    return {
        "lines": lines,
        "count": cart["count"],
        "subtotal_cents": sum((x["unit_cents"] or 0) * x["quantity"] for x in lines),
        "currency": next(iter(prices.values()), {}).get("currency", "EUR"),
        "unsold": [x for x in lines if x["unit_cents"] is None],
    }


def review_digest(cart: dict[str, Any]) -> str:
    """The cart's lines as a shopper reviews them (each product, quantity and unit price),
    in 32 hex digits: the page keeps it, the order is refused for a cart that differs."""
    lines = sorted((x["sku"], x["quantity"], x["unit_cents"]) for x in cart["lines"])
    return hashlib.sha256(repr(lines).encode()).hexdigest()[:32]


def line_names(lines: list[dict[str, Any]]) -> str:
    """`lines` named for the shopper: the product's name and its SKU, or the SKU alone."""
    return ", ".join(
        x["sku"] if x["name"] == x["sku"] else f"{x['name']} ({x['sku']})" for x in lines
    )


def unsold_refusal(lines: list[dict[str, Any]]) -> str:
    """What the shopper is told of cart lines the shop does not sell, in the current
    language: which, and to remove them."""
    return ngettext(
        "This product cannot be bought: %(products)s. Please remove it from your cart, "
        "then place the order.",
        "These products cannot be bought: %(products)s. Please remove them from your cart, "
        "then place the order.",
        len(lines),
    ) % {"products": line_names(lines)}


def card_refusal(exc: BackendError) -> HttpResponse | None:
    """Payments' refusal of the card (a 422 naming its fields, in English and pydantic's
    words) in the BFF's words, in the current language, each entry naming the field as
    the browser sent it; None when it is not one."""
    if exc.status != 422 or not isinstance(exc.detail, list):
        return None
    fields = [
        entry["loc"][-1]
        for entry in exc.detail
        if isinstance(entry, dict) and isinstance(entry.get("loc"), list) and entry["loc"]
    ]
    if not fields or not all(field in CARD_FIELDS for field in fields):
        return None
    return problem(
        422,
        [
            {
                "type": EXPIRY_ERROR if field == "expiry" else CARD_ERROR,
                "loc": ["body", "order", "card", field],
                "msg": str(CARD_FIELDS[field]),
            }
            for field in dict.fromkeys(fields)
        ],
    )


#: A SKU in a participant's words (the inventory's refusal names the product short of stock).
_SKU_IN_WORDS = re.compile(r"\bSKU-[0-9]{1,8}\b")


async def _short_of_stock(detail: str) -> str:
    """The message of a checkout refused for stock, naming the products the inventory named
    (by their catalog name where it answers), so the shopper knows which line to change."""
    skus = list(dict.fromkeys(_SKU_IN_WORDS.findall(detail)))
    if not skus:
        return str(MESSAGES["out_of_stock"])
    found = await get_json_or({"items": []}, "catalog", "/products", sku=skus, limit=len(skus))
    names = {p["sku"]: p["name"] for p in found["items"]}
    lines = [{"sku": sku, "name": names.get(sku, sku)} for sku in skus]
    return ngettext(
        "Sorry, this product is no longer available in the quantity you chose: %(products)s. "
        "Nothing was charged and your cart is unchanged.",
        "Sorry, these products are no longer available in the quantities you chose: "
        "%(products)s. Nothing was charged and your cart is unchanged.",
        len(lines),
    ) % {"products": line_names(lines)}


async def _state(visitor: str, key: str, checkout: dict[str, Any]) -> CheckoutState:
    status = checkout["status"]
    message = ""
    cart_count = None
    if status == "completed":
        message = _("Thank you! Your order %(number)s is placed.") % {
            "number": checkout["order_number"]
        }
        cart = await get_json_or(None, "cart", backend_path("carts", visitor))
        cart_count = None if cart is None else cart["count"]
    elif status == "failed" and checkout["reason"] == "out_of_stock":
        message = await _short_of_stock(checkout.get("detail", ""))
    elif status == "failed":
        message = str(MESSAGES.get(checkout["reason"], UNAVAILABLE))
    return CheckoutState(
        key=key,
        status=status,
        message=message,
        reason=checkout["reason"],
        order_number=checkout["order_number"],
        total_cents=checkout["total_cents"],
        currency=checkout["currency"],
        cart_count=cart_count,
    )


@bff.post("/orders", response=CheckoutState, summary="Place the order for the visitor's cart")
async def place(request: HttpRequest, order: PlaceIn):
    """Start placing the order (or, for a key already used, report how it stands): the
    answer may be `pending`; then ask `GET /orders/{key}` until it is not."""
    visitor = require_visitor(request)
    # A key already used (the browser retrying after a lost answer) joins its saga: the
    # cart it emptied, or a payments outage now, must not make it look as if nothing
    # happened, or the shopper buys twice.
    known = await _known(visitor, order.key)
    if known is not None:
        return known
    # Only a new checkout needs a card that can pay today: a retry joins its saga above,
    # even once the month its card was good for is over.
    fault = expiry_refusal(order.card.expiry)
    if fault is not None:
        loc = ["body", "order", "card", "expiry"]
        return problem(422, [{"type": EXPIRY_ERROR, "loc": loc, "msg": fault}])
    try:
        cart = await priced_cart(visitor)
    except BackendError:
        return problem(502, str(UNAVAILABLE))
    if not cart["lines"]:
        return problem(409, _("Your cart is empty."))
    if cart["unsold"]:  # no retry sells them: the shopper is told which, not to try again
        return problem(409, unsold_refusal(cart["unsold"]))
    if order.reviewed is not None and order.reviewed != review_digest(cart):
        return problem(409, str(REVIEWED_OTHER))
    card = order.card.dict() | {"number": order.card.number.replace(" ", "")}
    try:
        token = await call("payments", "POST", "/cards", json=card)
    except BackendError as exc:  # payments' 422 names the card's field: said in words
        refused = card_refusal(exc)
        return refused if refused is not None else bff_error(exc, str(UNAVAILABLE))
    try:
        checkout = await call(
            "orders",
            "POST",
            "/checkouts",
            json={
                "key": saga_key(visitor, order.key),
                "visitor": visitor,
                "lines": [
                    {k: line[k] for k in ("sku", "name", "quantity", "unit_cents")}
                    for line in cart["lines"]
                ],
                "currency": cart["currency"],
                "delivery": order.delivery,
                "address": order.address.dict(),
                "card": token["token"],
            },
        )
    except BackendError as exc:
        if exc.status is None or exc.status >= 500:  # the saga may have started all the same
            known = await _known(visitor, order.key)
            if known is not None:
                return known
        if busy(exc):  # another checkout of the visitor's is under way (another tab)
            return problem(409, str(BUSY))
        if exc.status == 409:
            # This key's own checkout, started for other lines (the cart changed between
            # a try whose answer was lost and its retry): that checkout stands, as for any
            # retry of the key; said in words should it not be there to report.
            known = await _known(visitor, order.key)
            return known if known is not None else problem(409, str(CONFLICT))
        return bff_error(exc, str(UNAVAILABLE))
    return await _state(visitor, order.key, checkout)


async def _known(visitor: str, key: str) -> CheckoutState | HttpResponse | None:
    """How the checkout under `key` stands if it was started; None if it never was. When
    the orders service cannot say, a 502: no second checkout is started blind."""
    try:
        checkout = await get_json("orders", backend_path("checkouts", saga_key(visitor, key)))
    except BackendError as exc:
        if exc.status == 404:
            return None
        return problem(502, _("the order cannot be checked right now, please try again"))
    return await _state(visitor, key, checkout)


@bff.get("/orders/{key}", response=CheckoutState, summary="How placing an order stands")
async def state(request: HttpRequest, key: KeyPath):
    visitor = require_visitor(request)
    try:
        checkout = await get_json("orders", backend_path("checkouts", saga_key(visitor, key)))
    except BackendError as exc:
        if exc.status == 404:
            return problem(404, _("there is no such checkout"))
        return problem(502, _("the order cannot be checked right now, please try again"))
    return await _state(visitor, key, checkout)


async def render(request: HttpRequest) -> Rendered:
    """The page, and its title in the page's language (the page's primary fragment)."""
    visitor = visitor_of(request)
    cart: dict[str, Any] | None
    if visitor is None:
        cart = {"lines": [], "count": 0, "subtotal_cents": 0, "currency": "EUR", "unsold": []}
    else:
        try:
            cart = await priced_cart(visitor)
        except BackendError:
            cart = None
    delivery = await get_json_or(DELIVERY, "orders", "/delivery-options")
    html = render_template(
        "checkout",
        "checkout.html",
        cart=cart,
        unsold=line_names(cart["unsold"]) if cart is not None else "",
        delivery=[d | {"label": DELIVERY_NAMES.get(d["method"], d["method"])} for d in delivery],
        countries=COUNTRIES,
        max_card_years=MAX_CARD_YEARS,
        reviewed=review_digest(cart) if cart is not None else "",
        home_country=HOME_COUNTRIES.get(get_language(), DEFAULT_COUNTRY),
    )
    return Rendered(html, title=_("Checkout"))


fragment = Fragment(
    name="checkout",
    render=render,
    path="/fragment",
    styles=("checkout.css",),
    scripts=("checkout.js",),
    bff=bff,
    timeout_ms=1500,
    # The visitor's own cart, as it is now: nothing kept (as the cart page).
    caching=NO_STORE,
    # The page's primary (as deploy/registry/storefront.yaml says too, see test_kit.py):
    # its title, in the page's language, names the page.
    primary=True,
    owner="checkout",
    description="The checkout page, and the BFF that places an order (a saga in orders).",
)
