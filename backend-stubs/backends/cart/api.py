"""Cart API: a cart per visitor; add, change the quantity of, and remove items, and take out
what an order buys (`POST /carts/{visitor}/removals`, a step of the checkout saga before
its point of no return) or put it back (`POST /carts/{visitor}/removals/{key}/return`, that
step's compensation).

Visitor ids come from the cart fragment's BFF, which takes them from the shell's signed
visitor token; the backend trusts its caller, as backends behind a BFF do.
"""

from datetime import datetime
from typing import Annotated

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from ninja import Field, Path, Router, Schema
from ninja.errors import HttpError
from pydantic import AfterValidator, StrictInt

from backends.cart.models import CartItem, Removal
from backends.kit.params import SKU, SkuPath, VisitorPath, one_line_per_sku

router = Router(tags=["cart"])

MAX_QUANTITY = 99
#: Different products one cart may hold: what the cart BFF can name and price in one call.
MAX_LINES = 50
#: An idempotency key (the checkout saga's, for a removal of what an order bought).
KEY = r"^[A-Za-z0-9_-]{8,64}$"
KeyPath = Annotated[str, Path(pattern=KEY, description="the removal's idempotency key")]


#: What a request may say about stock: the caller checked it (the cart BFF asks the
#: inventory), the line may then hold at most that many. Without it only MAX_QUANTITY holds.
AVAILABLE = "how many are in stock, as the caller checked: the line holds at most this many"


class ItemIn(Schema):
    sku: str = Field(..., pattern=SKU)
    # Strict: `true`, `2.0` and `"2"` are refused, not read as a quantity.
    quantity: StrictInt = Field(1, ge=1, le=MAX_QUANTITY)
    available: StrictInt | None = Field(None, ge=0, description=AVAILABLE)


class QuantityIn(Schema):
    quantity: StrictInt = Field(..., ge=1, le=MAX_QUANTITY)
    available: StrictInt | None = Field(None, ge=0, description=AVAILABLE)


class ItemOut(Schema):
    sku: str
    quantity: int


class CartOut(Schema):
    visitor: str
    items: list[ItemOut]
    count: int


def over_stock(available: int, in_cart: int = 0) -> str:
    """The refusal of a quantity above `available` (with `in_cart` already in the cart), in
    words for the shopper: the cart BFF relays it to the page as is."""
    if available == 0:
        return "Sorry, this product is out of stock."
    if in_cart:
        return f"Only {available} left, and your cart has {in_cart} of them already."
    return f"Only {available} left."


def _cart(visitor: str) -> dict:
    items = [
        {"sku": i.sku, "quantity": i.quantity} for i in CartItem.objects.filter(visitor=visitor)
    ]
    return {"visitor": visitor, "items": items, "count": sum(i["quantity"] for i in items)}


@router.get("/carts/{visitor}", response=CartOut)
def cart(request: HttpRequest, visitor: VisitorPath):
    return _cart(visitor)


@router.post("/carts/{visitor}/items", response=CartOut)
def add(request: HttpRequest, visitor: VisitorPath, payload: ItemIn):
    """Add `quantity` of `sku` (to what is already in the cart, at most 99, and at most
    `available` when the caller says how many are in stock: a 409 in words for the shopper;
    at most 50 different products in a cart)."""
    with transaction.atomic():
        item, created = CartItem.objects.select_for_update().get_or_create(
            visitor=visitor, sku=payload.sku, defaults={"quantity": payload.quantity}
        )
        in_cart = 0 if created else item.quantity
        if payload.available is not None and in_cart + payload.quantity > payload.available:
            raise HttpError(409, over_stock(payload.available, in_cart))  # rolls the line back
        if created and CartItem.objects.filter(visitor=visitor).count() > MAX_LINES:
            raise HttpError(422, f"at most {MAX_LINES} different products per cart")
        if not created:
            if item.quantity + payload.quantity > MAX_QUANTITY:
                raise HttpError(422, f"at most {MAX_QUANTITY} of one product per cart")
            item.quantity += payload.quantity
            item.save(update_fields=["quantity"])
    return _cart(visitor)


@router.patch("/carts/{visitor}/items/{sku}", response=CartOut)
def change(request: HttpRequest, visitor: VisitorPath, sku: SkuPath, payload: QuantityIn):
    """Set a line's quantity: at most `available`, when the caller says how many are in stock
    (a 409 in words for the shopper; lowering a line to what is left is always possible)."""
    if payload.available is not None and payload.quantity > payload.available:
        if not CartItem.objects.filter(visitor=visitor, sku=sku).exists():
            raise HttpError(404, f"{sku} is not in this cart")
        raise HttpError(409, over_stock(payload.available))
    updated = CartItem.objects.filter(visitor=visitor, sku=sku).update(quantity=payload.quantity)
    if not updated:
        raise HttpError(404, f"{sku} is not in this cart")
    return _cart(visitor)


@router.delete("/carts/{visitor}/items/{sku}", response=CartOut)
def remove(request: HttpRequest, visitor: VisitorPath, sku: SkuPath):
    deleted, _ = CartItem.objects.filter(visitor=visitor, sku=sku).delete()
    if not deleted:
        raise HttpError(404, f"{sku} is not in this cart")
    return _cart(visitor)


class RemovedLineIn(Schema):
    sku: str = Field(..., pattern=SKU)
    quantity: StrictInt = Field(..., ge=1, le=MAX_QUANTITY)


class RemovalIn(Schema):
    key: str = Field(..., pattern=KEY, description="the caller's idempotency key")
    lines: Annotated[list[RemovedLineIn], AfterValidator(one_line_per_sku)] = Field(
        ..., min_length=1, max_length=MAX_LINES
    )


@router.post("/carts/{visitor}/removals", response=CartOut)
def take_bought(request: HttpRequest, visitor: VisitorPath, payload: RemovalIn):
    """Take `quantity` units of each product out of the cart for an order (the checkout
    saga's step before its point of no return), under the caller's idempotency key: every
    line or none, and only units the cart holds now. A line holding more (a unit the shopper
    added in another tab meanwhile) keeps the rest; a line holding fewer, or gone (removed
    meanwhile, or taken by another checkout of the same cart), refuses the whole take: 409
    saying which, nothing taken. Each line is taken by a conditional update in one
    transaction, so of two checkouts racing for the same units exactly one gets them. The
    same key again takes nothing more and answers as the first time; a key whose take was
    undone (`.../return`) is refused (409), as is one used for other lines or another cart."""
    lines = {line.sku: line.quantity for line in payload.lines}
    try:
        removal = _take(visitor, payload.key, lines)
    except IntegrityError:  # the same key, concurrently: that one stands
        removal = Removal.objects.get(key=payload.key)
    if removal.status == Removal.RETURNED and removal.visitor == visitor:
        raise HttpError(409, f"removal {payload.key} was undone: nothing is taken under it")
    if (removal.visitor, removal.lines) != (visitor, lines):
        raise HttpError(409, f"removal {payload.key} was made for other lines")
    return _cart(visitor)


@transaction.atomic
def _take(visitor: str, key: str, lines: dict[str, int]) -> Removal:
    """The removal under `key`: made now, taking `lines` from the cart (all, or an HttpError
    409 rolling it all back), or the one made before."""
    removal, created = Removal.objects.get_or_create(
        key=key, defaults={"visitor": visitor, "lines": lines}
    )
    if not created:
        return removal
    for sku, units in sorted(lines.items()):
        line = CartItem.objects.filter(visitor=visitor, sku=sku)
        # Only if the line holds them now: checked and taken in one statement.
        if not line.filter(quantity__gte=units).update(quantity=F("quantity") - units):
            held = line.values_list("quantity", flat=True).first()
            if held is None:
                raise HttpError(409, f"the cart no longer holds {sku}")
            raise HttpError(409, f"the cart holds {held} of {sku}, not {units}")
    emptied = CartItem.objects.filter(visitor=visitor, sku__in=lines, quantity=0)
    removal.emptied = {item.sku: item.added_at.isoformat() for item in emptied}
    if removal.emptied:
        emptied.delete()
        removal.save(update_fields=["emptied"])
    return removal


@router.post("/carts/{visitor}/removals/{key}/return", response=CartOut)
def return_bought(request: HttpRequest, visitor: VisitorPath, key: KeyPath):
    """Undo the take under `key` (the checkout saga's compensation of it): its units go back
    into the cart, once (onto the line as it is now, at most 99 of a product; a line the
    take emptied comes back in its place). Idempotent. A key never taken leaves a tombstone,
    so a take arriving after its own compensation (a retried call overtaken by it) is
    refused. 409 for a key of another cart."""
    try:
        removal = _return(visitor, key)
    except IntegrityError:  # the same key, concurrently: that one stands
        removal = _return(visitor, key)
    if removal.visitor != visitor:
        raise HttpError(409, f"removal {key} was made for another cart")
    return _cart(visitor)


@transaction.atomic
def _return(visitor: str, key: str) -> Removal:
    removal, _ = Removal.objects.select_for_update().get_or_create(
        key=key, defaults={"visitor": visitor, "lines": {}, "status": Removal.RETURNED}
    )
    if removal.visitor != visitor or removal.status == Removal.RETURNED:
        return removal
    for sku, units in sorted(removal.lines.items()):
        item, created = CartItem.objects.select_for_update().get_or_create(
            visitor=visitor, sku=sku, defaults={"quantity": min(units, MAX_QUANTITY)}
        )
        if created and sku in removal.emptied:
            added = datetime.fromisoformat(removal.emptied[sku])
            CartItem.objects.filter(pk=item.pk).update(added_at=added)
        elif not created:
            item.quantity = min(MAX_QUANTITY, item.quantity + units)
            item.save(update_fields=["quantity"])
    removal.status = Removal.RETURNED
    removal.save(update_fields=["status"])
    return removal
