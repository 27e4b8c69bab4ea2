"""Inventory API: how many of a product are in stock."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from backends.inventory.models import Stock
from backends.kit.params import SkuPath

router = Router(tags=["inventory"])


class StockOut(Schema):
    sku: str
    quantity: int
    in_stock: bool


@router.get("/stock/{sku}", response=StockOut)
def stock(request: HttpRequest, sku: SkuPath):
    found = get_object_or_404(Stock, sku=sku)
    return {"sku": found.sku, "quantity": found.quantity, "in_stock": found.quantity > 0}
