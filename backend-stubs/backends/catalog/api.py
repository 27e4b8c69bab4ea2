"""Catalog API: categories, product listing and search, product details, product images.

Names, descriptions and specifications come in the caller's language: the first of its
`Accept-Language` (by q-value, `ko-KR` counting as `ko`) that the catalog has, else English,
the catalog's own. SKUs, slugs and image URLs are the same in every language; a search
matches the English text and the caller's language's, and sorting by name sorts by the
names the caller reads. Answers say their language (`Content-Language`) and vary on it.
"""

from __future__ import annotations

from typing import Literal

from django.db.models import Count, F, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation.trans_real import parse_accept_lang_header
from ninja import Field, Query, Router, Schema

from backends.catalog.models import Category, Product
from backends.kit.params import PLAIN_TEXT, Offset, Sku, SkuPath

router = Router(tags=["catalog"])
SVG = "image/svg+xml"
#: The catalog's own language, its products' and categories' fields; the others are in their
#: `translations` (seeded from backends/catalog/korean.py).
ENGLISH = "en"
LANGUAGES = frozenset({ENGLISH, "ko"})


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


def language_of(request: HttpRequest) -> str:
    """The language to answer `request` in: the first of its `Accept-Language` (by q-value,
    a region ignored; `q=0`, "not this one", never) that the catalog has, else English."""
    # Django reads at most its first 500 characters, to the last whole entry in them.
    accepted = request.headers.get("accept-language", "")
    for tag, quality in parse_accept_lang_header(accepted):
        primary = tag.split("-")[0].lower()
        if quality > 0 and primary in LANGUAGES:
            return primary
    return ENGLISH


def _speaking(response: HttpResponse, language: str) -> str:
    """`language`, once `response` says it is in it and that it varies on the caller's."""
    response["Content-Language"] = language
    response["Vary"] = "Accept-Language"
    return language


def _said(model: Product | Category, language: str) -> dict:
    """What `model` says in `language` (its English fields where it has no translation)."""
    return model.translations.get(language, {}) if language != ENGLISH else {}


def _out(product: Product, language: str) -> dict:
    said = _said(product, language)
    return {
        "sku": product.sku,
        "name": said.get("name", product.name),
        "category": product.category.slug,
        "description": said.get("description", product.description),
        "attributes": said.get("attributes", product.attributes),
        "image_url": f"/products/{product.sku}/image.svg",
    }


def _by_name(language: str) -> tuple:
    """The order of `/products?sort=name` in `language`: by the name shown, then SKU."""
    if language == ENGLISH:
        return ("name", "sku")
    return (Coalesce(KT(f"translations__{language}__name"), F("name")), "sku")


@router.get("/categories", response=list[CategoryOut])
def categories(request: HttpRequest, response: HttpResponse):
    """Every category with its product count, by name (in the caller's language)."""
    language = _speaking(response, language_of(request))
    found = [
        {
            "slug": category.slug,
            "name": _said(category, language).get("name", category.name),
            "icon": category.icon,
            "product_count": category.product_count,
        }
        for category in Category.objects.annotate(product_count=Count("products"))
    ]
    return sorted(found, key=lambda category: (category["name"], category["slug"]))


@router.get("/products", response=ProductPage)
def products(
    request: HttpRequest,
    response: HttpResponse,
    category: str | None = Query(None, max_length=50, pattern=PLAIN_TEXT),
    q: str | None = Query(None, max_length=100, pattern=PLAIN_TEXT),
    sku: list[Sku] = Query(None, max_length=100),
    limit: int = Query(12, ge=1, le=100),
    offset: Offset = 0,
    sort: Literal["sku", "name"] = "sku",
):
    """Products, optionally of one category, matching a text query (in English or in the
    caller's language) and/or of given SKUs, by SKU or by name."""
    language = _speaking(response, language_of(request))
    order = ("sku",) if sort == "sku" else _by_name(language)
    query = Product.objects.select_related("category").order_by(*order)
    if category:
        query = query.filter(category__slug=category)
    if sku:
        query = query.filter(sku__in=sku)
    if q:
        matches = Q(name__icontains=q) | Q(description__icontains=q)
        if language != ENGLISH:
            for field in ("name", "description"):
                matches |= Q(**{f"translations__{language}__{field}__icontains": q})
        query = query.filter(matches)
    page = query[offset : offset + limit]
    return {"total": query.count(), "items": [_out(p, language) for p in page]}


@router.get("/products/{sku}", response=ProductOut)
def product(request: HttpRequest, response: HttpResponse, sku: SkuPath):
    language = _speaking(response, language_of(request))
    return _out(get_object_or_404(Product.objects.select_related("category"), sku=sku), language)


@router.get(
    "/products/{sku}/image.svg",
    openapi_extra={"responses": {200: {"description": "SVG", "content": {SVG: {}}}}},
)
def product_image(request: HttpRequest, sku: SkuPath) -> HttpResponse:
    image = get_object_or_404(Product.objects.only("image_svg"), sku=sku).image_svg
    response = HttpResponse(image, content_type=SVG)
    response["Cache-Control"] = "public, max-age=86400"
    return response
