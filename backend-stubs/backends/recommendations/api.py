"""Recommendations API: products related to a product. Deliberately slow (see services.py)."""

from django.http import HttpRequest
from ninja import Query, Router, Schema

from backends.kit.params import SkuPath
from backends.recommendations.models import Related

router = Router(tags=["recommendations"])


class Recommendations(Schema):
    sku: str
    related: list[str]


@router.get("/products/{sku}/related", response=Recommendations)
def related(request: HttpRequest, sku: SkuPath, limit: int = Query(4, ge=1, le=12)):
    skus = Related.objects.filter(sku=sku).values_list("related_sku", flat=True)[:limit]
    return {"sku": sku, "related": list(skus)}
