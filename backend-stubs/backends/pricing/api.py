"""Pricing API: a product's price, list price and deal, and the current deals."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from backends.kit.params import Sku, SkuPath
from backends.pricing.models import Price

router = Router(tags=["pricing"])


class PriceOut(Schema):
    sku: str
    price_cents: int
    list_price_cents: int
    currency: str
    deal: bool


@router.get("/prices/{sku}", response=PriceOut)
def price(request: HttpRequest, sku: SkuPath):
    return get_object_or_404(Price, sku=sku)


@router.get("/prices", response=list[PriceOut])
def prices(request: HttpRequest, sku: list[Sku] = Query(..., max_length=100)):
    """Prices of several products at once (`?sku=A&sku=B`), in the order asked."""
    found = {p.sku: p for p in Price.objects.filter(sku__in=sku)}
    return [found[s] for s in sku if s in found]


@router.get("/deals", response=list[PriceOut])
def deals(request: HttpRequest, limit: int = Query(12, ge=1, le=60)):
    """Products sold below their list price, biggest discount first."""
    ranked = sorted(
        (p for p in Price.objects.all() if p.deal),
        key=lambda p: p.price_cents / p.list_price_cents,
    )
    return ranked[:limit]
