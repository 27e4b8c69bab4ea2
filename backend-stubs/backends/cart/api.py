"""Cart API: a cart per visitor; add, change the quantity of, and remove items.

Visitor ids come from the cart fragment's BFF, which takes them from the shell's signed
visitor token; the backend trusts its caller, as backends behind a BFF do.
"""

import re

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from backends.cart.models import CartItem

router = Router(tags=["cart"])

VISITOR = r"^[A-Za-z0-9_-]{8,64}$"
SKU = r"^SKU-\d{1,8}$"
MAX_QUANTITY = 99


class ItemIn(Schema):
    sku: str = Field(..., pattern=SKU)
    quantity: int = Field(1, ge=1, le=MAX_QUANTITY)


class QuantityIn(Schema):
    quantity: int = Field(..., ge=1, le=MAX_QUANTITY)


class ItemOut(Schema):
    sku: str
    quantity: int


class CartOut(Schema):
    visitor: str
    items: list[ItemOut]
    count: int


def _check_visitor(visitor: str) -> None:
    if not re.match(VISITOR, visitor):
        raise HttpError(422, "visitor id must be 8-64 letters, digits, '-' or '_'")


def _cart(visitor: str) -> dict:
    items = [
        {"sku": i.sku, "quantity": i.quantity} for i in CartItem.objects.filter(visitor=visitor)
    ]
    return {"visitor": visitor, "items": items, "count": sum(i["quantity"] for i in items)}


@router.get("/carts/{visitor}", response=CartOut)
def cart(request: HttpRequest, visitor: str):
    _check_visitor(visitor)
    return _cart(visitor)


@router.post("/carts/{visitor}/items", response=CartOut)
def add(request: HttpRequest, visitor: str, payload: ItemIn):
    """Add `quantity` of `sku` (to what is already in the cart, at most 99)."""
    _check_visitor(visitor)
    with transaction.atomic():
        item, created = CartItem.objects.select_for_update().get_or_create(
            visitor=visitor, sku=payload.sku, defaults={"quantity": payload.quantity}
        )
        if not created:
            if item.quantity + payload.quantity > MAX_QUANTITY:
                raise HttpError(422, f"at most {MAX_QUANTITY} of one product per cart")
            item.quantity += payload.quantity
            item.save(update_fields=["quantity"])
    return _cart(visitor)


@router.patch("/carts/{visitor}/items/{sku}", response=CartOut)
def change(request: HttpRequest, visitor: str, sku: str, payload: QuantityIn):
    _check_visitor(visitor)
    updated = CartItem.objects.filter(visitor=visitor, sku=sku).update(quantity=payload.quantity)
    if not updated:
        raise HttpError(404, f"{sku} is not in this cart")
    return _cart(visitor)


@router.delete("/carts/{visitor}/items/{sku}", response=CartOut)
def remove(request: HttpRequest, visitor: str, sku: str):
    _check_visitor(visitor)
    deleted, _ = CartItem.objects.filter(visitor=visitor, sku=sku).delete()
    if not deleted:
        raise HttpError(404, f"{sku} is not in this cart")
    return _cart(visitor)
