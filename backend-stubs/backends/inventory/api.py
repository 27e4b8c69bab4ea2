"""Inventory API: how many of a product can be sold, and reservations holding stock for a
checkout (backends/inventory/reservations.py)."""

from typing import Annotated

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError
from pydantic import AfterValidator, StrictInt

from backends.inventory import reservations
from backends.inventory.models import Reservation, Stock
from backends.kit.params import SKU, Sku, SkuPath, one_line_per_sku

router = Router(tags=["inventory"])


class StockOut(Schema):
    sku: str
    quantity: int = Field(description="units that can be sold: on hand less those reserved")
    in_stock: bool
    on_hand: int
    reserved: int


def _stock(found: Stock) -> dict:
    quantity = reservations.available(found)
    return {
        "sku": found.sku,
        "quantity": quantity,
        "in_stock": quantity > 0,
        "on_hand": found.quantity,
        "reserved": found.quantity - quantity,
    }


@router.get("/stock/{sku}", response=StockOut)
def stock(request: HttpRequest, sku: SkuPath):
    return _stock(get_object_or_404(Stock, sku=sku))


@router.get("/stock", response=list[StockOut])
def stocks(request: HttpRequest, sku: list[Sku] = Query(..., max_length=100)):
    """Stock of several products at once (`?sku=A&sku=B`), in the order asked (unknown ones
    left out): what a list of products needs to mark the sold-out ones, in one call."""
    found = {s.sku: s for s in Stock.objects.filter(sku__in=sku)}
    return [_stock(found[s]) for s in sku if s in found]


# -- reservations -------------------------------------------------------------------------

#: An idempotency key: what the caller names one reservation by (a checkout saga's key).
KEY = r"^[A-Za-z0-9_-]{8,64}$"
KeyPath = Annotated[str, Path(pattern=KEY, description="the reservation's idempotency key")]
MAX_LINES = 50
MAX_UNITS = 99


class LineIn(Schema):
    sku: str = Field(..., pattern=SKU)
    quantity: StrictInt = Field(..., ge=1, le=MAX_UNITS)


class ReservationIn(Schema):
    key: str = Field(..., pattern=KEY, description="the caller's idempotency key")
    lines: Annotated[list[LineIn], AfterValidator(one_line_per_sku)] = Field(
        ..., min_length=1, max_length=MAX_LINES
    )


class LineOut(Schema):
    sku: str
    quantity: int


class ReservationOut(Schema):
    key: str
    status: str = Field(description="active, released, confirmed or expired")
    expires_at: str
    lines: list[LineOut]


def _reservation(found: Reservation) -> dict:
    return {
        "key": found.key,
        "status": reservations.status_of(found),
        "expires_at": found.expires_at.isoformat(),
        "lines": [{"sku": line.sku, "quantity": line.quantity} for line in found.lines.all()],
    }


def _granted(action, *args) -> dict:
    try:
        return _reservation(action(*args))
    except reservations.Refused as exc:
        raise HttpError(exc.status, str(exc)) from None


@router.post("/reservations", response=ReservationOut)
def reserve(request: HttpRequest, payload: ReservationIn):
    """Hold stock under `key`, every line or none (409 when not enough is available); the
    same key again is answered with the reservation already made."""
    lines = {line.sku: line.quantity for line in payload.lines}
    return _granted(reservations.reserve, payload.key, lines)


@router.get("/reservations/{key}", response=ReservationOut)
def reservation(request: HttpRequest, key: KeyPath):
    return _reservation(get_object_or_404(Reservation, key=key))


@router.post("/reservations/{key}/release", response=ReservationOut)
def release(request: HttpRequest, key: KeyPath):
    """Give the stock back (idempotent; a key never reserved cannot be reserved after)."""
    return _granted(reservations.release, key)


@router.post("/reservations/{key}/confirm", response=ReservationOut)
def confirm(request: HttpRequest, key: KeyPath):
    """Turn the reservation into a sale (idempotent); 409 once released or expired."""
    return _granted(reservations.confirm, key)
