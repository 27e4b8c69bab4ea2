"""Reviews: a product's rating summary and latest reviews, and writing one through the BFF."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from fragments.kit.backends import BackendError, bff_error, call, get_json_or
from fragments.kit.fragment import Fragment
from fragments.kit.rendering import render as render_template
from tessera.conf import env_str

SHOWN = 10
#: The section's heading; a deploy may set it to try a new wording (see `manage.py deploy`).
HEADING = env_str("REVIEWS_HEADING", "Customer reviews")

bff = Router(tags=["reviews"])


class ReviewIn(Schema):
    author: str = Field(..., min_length=1, max_length=60, pattern=r"\S", description="shown name")
    rating: int = Field(..., ge=1, le=5, description="stars, 1 to 5")
    title: str = Field(..., min_length=1, max_length=120, pattern=r"\S")
    body: str = Field(..., min_length=10, max_length=4000)


class ReviewOut(Schema):
    id: int
    author: str
    rating: int
    title: str
    body: str
    created_at: str


@bff.post(
    "/products/{sku}/reviews", response={201: ReviewOut}, summary="Write a review of a product"
)
async def write(request: HttpRequest, sku: str, review: ReviewIn):
    """Checked here and again by the reviews backend; a refused review stores nothing."""
    try:
        created = await call("reviews", "POST", f"/products/{sku}/reviews", json=review.dict())
    except BackendError as exc:
        raise bff_error(exc, "reviews cannot be written right now, please try again") from exc
    return Status(201, created)


async def render(request: HttpRequest, sku: str) -> str:
    data = await get_json_or(None, "reviews", f"/products/{sku}/reviews", limit=SHOWN)
    return render_template("reviews", "reviews.html", sku=sku, data=data, heading=HEADING)


fragment = Fragment(
    name="reviews",
    render=render,
    path="/fragment/{sku}",
    styles=("reviews.css",),
    scripts=("reviews.js",),
    bff=bff,
    timeout_ms=800,
    owner="community",
    description="Rating summary, latest reviews and the form to write one.",
)
