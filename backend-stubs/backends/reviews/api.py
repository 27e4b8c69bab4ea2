"""Reviews API: a product's reviews with their rating summary, and writing a review."""

from django.db.models import Avg, Count
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from backends.reviews.models import Review

router = Router(tags=["reviews"])


class ReviewIn(Schema):
    author: str = Field(..., min_length=1, max_length=60, pattern=r"\S")
    rating: int = Field(..., ge=1, le=5)
    title: str = Field(..., min_length=1, max_length=120, pattern=r"\S")
    body: str = Field(..., min_length=10, max_length=4000)


class ReviewOut(Schema):
    id: int
    author: str
    rating: int
    title: str
    body: str
    created_at: str


class Summary(Schema):
    count: int
    average: float | None
    histogram: dict[int, int]


class ReviewPage(Schema):
    sku: str
    summary: Summary
    items: list[ReviewOut]


def _out(review: Review) -> dict:
    return {
        "id": review.id,
        "author": review.author,
        "rating": review.rating,
        "title": review.title,
        "body": review.body,
        "created_at": review.created_at.isoformat(),
    }


@router.get("/products/{sku}/reviews", response=ReviewPage)
def reviews(
    request: HttpRequest,
    sku: str,
    limit: int = Query(10, ge=1, le=50),
    offset: int = Query(0, ge=0),
):
    query = Review.objects.filter(sku=sku)
    stats = query.aggregate(count=Count("id"), average=Avg("rating"))
    histogram = {star: 0 for star in range(1, 6)}
    for row in query.values("rating").annotate(n=Count("id")):
        histogram[row["rating"]] = row["n"]
    average = round(stats["average"], 2) if stats["average"] is not None else None
    return {
        "sku": sku,
        "summary": {"count": stats["count"], "average": average, "histogram": histogram},
        "items": [_out(r) for r in query[offset : offset + limit]],
    }


@router.post("/products/{sku}/reviews", response={201: ReviewOut})
def write_review(request: HttpRequest, sku: str, payload: ReviewIn):
    """Add a review. Invalid input is a 422 naming the field; nothing is stored then."""
    review = Review.objects.create(sku=sku, **payload.dict())
    return Status(201, _out(review))
