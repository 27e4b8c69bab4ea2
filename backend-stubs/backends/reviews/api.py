"""Reviews API: a product's reviews with their rating summary, and writing a review.

A review is written for a visitor (the reviews BFF vouches for who it is): one review per
product and visitor, and at most `RATE_LIMIT` reviews per visitor in `RATE_WINDOW` seconds.
The limits are kept here, with the reviews themselves, so that they hold however many BFF
instances there are and across restarts.
"""

import math
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import StrictInt

from backends.kit.params import VISITOR, Offset, SkuPath, VisibleLine, VisibleText
from backends.reviews.models import Review
from tessera.runtime.env import env_int
from tessera.runtime.problem import problem

router = Router(tags=["reviews"])

#: How many reviews one visitor may write in `RATE_WINDOW` seconds.
RATE_LIMIT = env_int("REVIEWS_RATE_LIMIT", 3)
RATE_WINDOW = env_int("REVIEWS_RATE_WINDOW", 600)
if RATE_LIMIT < 1 or RATE_WINDOW < 1:
    raise ValueError("REVIEWS_RATE_LIMIT and REVIEWS_RATE_WINDOW must be at least 1")


class ReviewIn(Schema):
    author: VisibleLine = Field(..., min_length=1, max_length=60)
    rating: StrictInt = Field(..., ge=1, le=5)
    title: VisibleLine = Field(..., min_length=1, max_length=120)
    body: VisibleText = Field(..., min_length=10, max_length=4000)
    visitor: str = Field(..., pattern=VISITOR, description="who writes it (never shown)")


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


def _minutes(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


@router.get("/products/{sku}/reviews", response=ReviewPage)
def reviews(
    request: HttpRequest,
    sku: SkuPath,
    limit: int = Query(10, ge=1, le=50),
    offset: Offset = 0,
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
def write_review(request: HttpRequest, sku: SkuPath, payload: ReviewIn):
    """Add a review. Nothing is stored when it is refused: invalid input is a 422 naming the
    field, a second review of the product by the same visitor a 409, and one review too many
    in the window a 429 with Retry-After (seconds until the oldest one leaves the window)."""
    now = timezone.now()
    with transaction.atomic():
        mine = Review.objects.filter(visitor=payload.visitor)
        if mine.filter(sku=sku).exists():
            raise HttpError(409, f"you have already reviewed {sku}")
        recent = mine.filter(created_at__gt=now - timedelta(seconds=RATE_WINDOW))
        if recent.count() >= RATE_LIMIT:
            oldest = recent.order_by("created_at").values_list("created_at", flat=True)[0]
            wait = (oldest - now).total_seconds() + RATE_WINDOW
            refusal = problem(
                429,
                f"at most {RATE_LIMIT} reviews in {_minutes(RATE_WINDOW)}: "
                f"please try again in {_minutes(wait)}",
            )
            refusal["Retry-After"] = str(max(1, math.ceil(wait)))
            return refusal
        try:
            with transaction.atomic():
                review = Review.objects.create(sku=sku, **payload.dict())
        except IntegrityError:  # the same visitor's other request got in first
            raise HttpError(409, f"you have already reviewed {sku}") from None
    return Status(201, _out(review))
