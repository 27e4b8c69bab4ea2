"""Orders API: checkouts (each a saga, backends/orders/saga.py), orders, delivery options.

`POST /checkouts` starts placing an order under the caller's idempotency key and waits a
moment (`ORDERS_CHECKOUT_WAIT`, 1.2 s) for it to end; it answers what is known then, and
`GET /checkouts/{key}` tells how it went on. Asking again with the same key starts nothing
new. A checkout is reported `completed` (with its order number) once its order is placed
and out of the cart, even while the payment is still being captured (`payment` says
`authorised` until then). A visitor has one checkout under way at most: another key while
one is (before that point) is refused with 409 and the body `{"detail": [{"type": "busy",
"msg": BUSY}]}`, the one refusal callers tell the shopper "wait until it is finished" for
(any other 409 has a message for its `detail`); the database enforces it
(backends/orders/models.py), so two tabs racing cannot both start one. The caller (the
checkout fragment's BFF) is trusted for who the visitor is and what the lines cost, as
backends behind a BFF are, but not for what the cart holds: the lines were priced from the
cart a moment before, and the saga sells only the units the cart still holds when it takes
them (else it fails, reason `cart_changed`). The currency is one the shop prices in (EUR).
"""

import hmac
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import suppress
from typing import Annotated, Literal

from django.db import IntegrityError
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError
from pydantic import AfterValidator, StrictInt

from backends.kit.params import (
    CARD_TOKEN,
    SKU,
    VISITOR,
    Currency,
    VisibleLine,
    VisitorPath,
    one_line_per_sku,
)
from backends.orders import runner
from backends.orders.models import Order, Saga
from backends.orders.saga import STEP_NAMES, step_name
from tessera.runtime.env import env_float
from tessera.runtime.problem import problem
from tessera.runtime.secrets import secret

router = Router(tags=["orders"])

KEY = r"^[A-Za-z0-9_-]{8,64}$"
KeyPath = Annotated[str, Path(pattern=KEY, description="the checkout's idempotency key")]
NUMBER = r"^T[0-9]{8}$"
#: Delivery methods and what they cost, in cents of the order's currency.
DELIVERY = {"standard": 0, "express": 990}
MAX_LINES = 50
WAIT = env_float("ORDERS_CHECKOUT_WAIT", 1.2)
#: The largest total an order may have: what the payments service authorises at most.
MAX_TOTAL_CENTS = 100_000_000
#: The refusal of a second checkout while the visitor's first is under way.
BUSY = (
    "An order for this cart is already being placed. Please wait until it is finished "
    "before placing another."
)
#: The `type` of that refusal's one entry: how a caller tells it from any other 409.
BUSY_TYPE = "busy"


def busy() -> JsonResponse:
    """The refusal of a second checkout: `{"detail": ...}` as every refusal, its detail one
    entry (as a field's refusal) whose `type` callers can tell apart from other conflicts."""
    return problem(409, [{"type": BUSY_TYPE, "msg": BUSY}])


class DeliveryOut(Schema):
    method: str
    cents: int


@router.get("/delivery-options", response=list[DeliveryOut])
def delivery_options(request: HttpRequest):
    return [{"method": method, "cents": cents} for method, cents in DELIVERY.items()]


class LineIn(Schema):
    sku: str = Field(..., pattern=SKU)
    name: VisibleLine = Field(..., min_length=1, max_length=200)
    quantity: StrictInt = Field(..., ge=1, le=99)
    unit_cents: StrictInt = Field(..., ge=0, le=10_000_000)


class AddressIn(Schema):
    name: VisibleLine = Field(..., min_length=1, max_length=100)
    street: VisibleLine = Field(..., min_length=1, max_length=200)
    city: VisibleLine = Field(..., min_length=1, max_length=100)
    postcode: VisibleLine = Field(..., min_length=1, max_length=16)
    country: str = Field(..., pattern=r"^[A-Z]{2}$")


class CheckoutIn(Schema):
    key: str = Field(..., pattern=KEY, description="the caller's idempotency key")
    visitor: str = Field(..., pattern=VISITOR)
    lines: Annotated[list[LineIn], AfterValidator(one_line_per_sku)] = Field(
        ..., min_length=1, max_length=MAX_LINES
    )
    currency: Currency
    delivery: Literal["standard", "express"]
    address: AddressIn
    card: str = Field(..., pattern=CARD_TOKEN, description="a payments token")


class CheckoutOut(Schema):
    key: str
    visitor: str
    status: str = Field(description="pending, completed (the order placed) or failed")
    step: str = Field(
        description="the step it is at while pending, or while a completed checkout's "
        "payment is still being captured (capture_payment); empty once it is all done"
    )
    order_number: str
    payment: str = Field(
        description="the order's payment: authorised, captured or refused (not captured); "
        "empty without a placed order"
    )
    reason: str = Field(
        description="why it failed: declined, out_of_stock, cart_changed, unavailable..."
    )
    detail: str
    total_cents: int
    currency: str


def _checkout(saga: Saga) -> dict:
    """How the checkout of `saga` stands, for the caller: a settling saga's order is placed
    and out of the cart (completed), only its payment is still being captured; a
    compensating one has failed (its `reason`), only its undoing may still be under way."""
    placed = saga.status in (Saga.SETTLING, Saga.COMPLETED)
    status = "completed" if placed else saga.status
    if saga.status == Saga.COMPENSATING:
        status = Saga.FAILED
    order = Order.objects.filter(saga_key=saga.key).first() if saga.order_number else None
    return {
        "key": saga.key,
        "visitor": saga.visitor,
        "status": "pending" if saga.status in Saga.UNDER_WAY else status,
        "step": step_name(saga) if saga.status in Saga.UNFINISHED else "",
        "order_number": saga.order_number if placed else "",
        "payment": order.payment if placed and order is not None else "",
        "reason": saga.reason,
        "detail": saga.detail,
        "total_cents": saga.total_cents,
        "currency": saga.currency,
    }


def _differs(saga: Saga, payload: CheckoutIn, total: int) -> str:
    """What of the order `payload` asks for differs from the one `saga` places under the
    same key ("" when nothing does), as payments and inventory refuse a key reused for
    other work. Not the card: each try makes the card a new token for the same card."""
    asked = {
        "lines": [line.dict() for line in payload.lines],
        "currency": payload.currency,
        "delivery": payload.delivery,
        "total": total,
        "address": payload.address.dict(),
    }
    placed = {
        "lines": saga.lines,
        "currency": saga.currency,
        "delivery": saga.delivery,
        "total": saga.total_cents,
        "address": saga.address,
    }
    return ", ".join(name for name in asked if asked[name] != placed[name])


@router.post("/checkouts", response=CheckoutOut)
def checkout(request: HttpRequest, payload: CheckoutIn):
    """Place an order: reserve stock, authorise payment, create the order, take the bought
    units out of the cart, confirm the reservation, capture the payment (a saga). The same
    key again answers how that one stands; another key while the visitor's checkout is
    under way is refused (409, its one entry of type `busy`)."""
    subtotal = sum(line.unit_cents * line.quantity for line in payload.lines)
    total = subtotal + DELIVERY[payload.delivery]
    if not 1 <= total <= MAX_TOTAL_CENTS:  # payments would refuse it: no saga for that
        raise HttpError(422, f"an order's total is 1 to {MAX_TOTAL_CENTS} cents, not {total}")
    started = None
    with runner.RUNNER.starting(payload.key):
        try:
            saga, created = Saga.objects.get_or_create(
                key=payload.key,
                defaults={
                    "visitor": payload.visitor,
                    "lines": [line.dict() for line in payload.lines],
                    "currency": payload.currency,
                    "delivery": payload.delivery,
                    "delivery_cents": DELIVERY[payload.delivery],
                    "total_cents": total,
                    "address": payload.address.dict(),
                    "card": payload.card,
                },
            )
        except IntegrityError:
            # Not this key (get_or_create returns a row of it made concurrently): the
            # visitor's checkout under way holds the index of one_unfinished_saga_per_visitor.
            return busy()
        if saga.visitor != payload.visitor:
            raise HttpError(409, "this key belongs to another checkout")
        if not created and (differs := _differs(saga, payload, total)):
            raise HttpError(409, f"this key was used for an order with other {differs}")
        if created:
            started = runner.RUNNER.submit(saga.key)
    if started is not None:
        with suppress(FutureTimeout):  # still under way then: the caller asks again
            started.result(timeout=WAIT)
        saga.refresh_from_db()
    return _checkout(saga)


@router.get("/checkouts/{key}", response=CheckoutOut)
def checkout_state(request: HttpRequest, key: KeyPath):
    return _checkout(get_object_or_404(Saga, key=key))


class OrderOut(Schema):
    number: str
    visitor: str
    status: str = Field(description="placed or cancelled")
    payment: str = Field(description="authorised, captured, or refused (not captured)")
    lines: list[dict]
    delivery: str
    delivery_cents: int
    total_cents: int
    currency: str


def _order(order: Order) -> dict:
    return {
        "number": order.number,
        "visitor": order.visitor,
        "status": order.status,
        "payment": order.payment,
        "lines": order.lines,
        "delivery": order.delivery,
        "delivery_cents": order.delivery_cents,
        "total_cents": order.total_cents,
        "currency": order.currency,
    }


@router.get("/orders/{number}", response=OrderOut)
def order(request: HttpRequest, number: Annotated[str, Path(pattern=NUMBER)]):
    return _order(get_object_or_404(Order, number=number))


@router.get("/visitors/{visitor}/orders", response=list[OrderOut])
def orders_of(
    request: HttpRequest,
    visitor: VisitorPath,
    status: Annotated[Literal["placed", "cancelled"] | None, Query()] = None,
):
    """A visitor's orders, newest first (at most 50)."""
    found = Order.objects.filter(visitor=visitor).order_by("-created_at", "-id")
    if status is not None:
        found = found.filter(status=status)
    return [_order(order) for order in found[:50]]


# -- crash points, for tests (backends/orders/runner.py's CrashSwitch) --------------------


class CrashIn(Schema):
    after: str | None = Field(
        None,
        pattern="^(" + "|".join(STEP_NAMES) + ")$",
        description="exit the process right after this step took effect, once",
    )


@router.put("/_crash", response=CrashIn, summary="Set the crash point (stub admin token)")
def crash_point(request: HttpRequest, payload: CrashIn):
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not hmac.compare_digest(given.encode(), secret("TESSERA_STUB_ADMIN_TOKEN").encode()):
        raise HttpError(401, "a valid stub admin token is required")
    runner.CRASH.after = payload.after
    return {"after": runner.CRASH.after}
