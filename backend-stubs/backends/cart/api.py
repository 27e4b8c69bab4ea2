"""Cart API: a cart per visitor; add, change the quantity of, and remove items.

Visitor ids come from the cart fragment's BFF, which takes them from the shell's signed
visitor token; the backend trusts its caller, as backends behind a BFF do.
"""

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from pydantic import StrictInt

from backends.cart.models import CartItem
from backends.kit.params import SKU, SkuPath, VisitorPath

router = Router(tags=["cart"])

MAX_QUANTITY = 99
#: Different products one cart may hold: what the cart BFF can name and price in one call.
MAX_LINES = 50


class ItemIn(Schema):
    sku: str = Field(..., pattern=SKU)
    # Strict: `true`, `2.0` and `"2"` are refused, not read as a quantity.
    quantity: StrictInt = Field(1, ge=1, le=MAX_QUANTITY)


class QuantityIn(Schema):
    quantity: StrictInt = Field(..., ge=1, le=MAX_QUANTITY)


class ItemOut(Schema):
    sku: str
    quantity: int


class CartOut(Schema):
    visitor: str
    items: list[ItemOut]
    count: int


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
    """Add `quantity` of `sku` (to what is already in the cart, at most 99; at most 50
    different products in a cart)."""
    with transaction.atomic():
        item, created = CartItem.objects.select_for_update().get_or_create(
            visitor=visitor, sku=payload.sku, defaults={"quantity": payload.quantity}
        )
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
