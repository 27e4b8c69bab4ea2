"""Catalog API: categories, product listing and search, product details, product images."""

from __future__ import annotations

from typing import Literal

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from backends.catalog.models import Category, Product
from backends.kit.params import PLAIN_TEXT, Offset, Sku, SkuPath

router = Router(tags=["catalog"])
SVG = "image/svg+xml"
#: The orders `/products` lists in: by SKU (the catalog's own order) or by name (then SKU).
ORDERS = {"sku": ("sku",), "name": ("name", "sku")}


class CategoryOut(Schema):
    slug: str
    name: str
    icon: str = Field(description="a Lucide icon name, empty when it has none")
    product_count: int = Field(description="how many products it has")


class ProductOut(Schema):
    sku: str
    name: str
    category: str
    description: str
    attributes: dict[str, str]
    image_url: str


class ProductPage(Schema):
    total: int
    items: list[ProductOut]


def _out(product: Product) -> dict:
    return {
        "sku": product.sku,
        "name": product.name,
        "category": product.category.slug,
        "description": product.description,
        "attributes": product.attributes,
        "image_url": f"/products/{product.sku}/image.svg",
    }


@router.get("/categories", response=list[CategoryOut])
def categories(request: HttpRequest):
    return Category.objects.annotate(product_count=Count("products"))


@router.get("/products", response=ProductPage)
def products(
    request: HttpRequest,
    category: str | None = Query(None, max_length=50, pattern=PLAIN_TEXT),
    q: str | None = Query(None, max_length=100, pattern=PLAIN_TEXT),
    sku: list[Sku] = Query(None, max_length=100),
    limit: int = Query(12, ge=1, le=100),
    offset: Offset = 0,
    sort: Literal["sku", "name"] = "sku",
):
    """Products, optionally of one category, matching a text query and/or of given SKUs,
    by SKU or by name."""
    query = Product.objects.select_related("category").order_by(*ORDERS[sort])
    if category:
        query = query.filter(category__slug=category)
    if sku:
        query = query.filter(sku__in=sku)
    if q:
        query = query.filter(Q(name__icontains=q) | Q(description__icontains=q))
    return {"total": query.count(), "items": [_out(p) for p in query[offset : offset + limit]]}


@router.get("/products/{sku}", response=ProductOut)
def product(request: HttpRequest, sku: SkuPath):
    return _out(get_object_or_404(Product.objects.select_related("category"), sku=sku))


@router.get(
    "/products/{sku}/image.svg",
    openapi_extra={"responses": {200: {"description": "SVG", "content": {SVG: {}}}}},
)
def product_image(request: HttpRequest, sku: SkuPath) -> HttpResponse:
    image = get_object_or_404(Product.objects.only("image_svg"), sku=sku).image_svg
    response = HttpResponse(image, content_type=SVG)
    response["Cache-Control"] = "public, max-age=86400"
    return response
