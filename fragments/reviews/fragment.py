"""Reviews: a product's rating summary and latest reviews, and writing one through the BFF.

Writing needs a visitor the shell vouched for and a product the catalog knows. How many
reviews a visitor may write (one per product, a few in a while) is the reviews backend's
to enforce: it keeps every review with its writer, so the limits hold whichever BFF
instance a request reaches, and across restarts.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import StrictInt

from fragments.kit.backends import (
    BackendError,
    backend_path,
    bff_error,
    call,
    get_json,
    get_json_or,
)
from fragments.kit.caching import Caching
from fragments.kit.fragment import Fragment, NotFound
from fragments.kit.params import SkuPath, is_sku
from fragments.kit.rendering import render as render_template
from fragments.kit.visitor import require_visitor
from tessera.runtime.env import env_str
from tessera.runtime.openapi import problem

SHOWN = 10
#: The section's heading; a deploy may set it to try a new wording (see `manage.py deploy`).
HEADING = env_str("REVIEWS_HEADING", "Customer reviews")
UNAVAILABLE = "reviews cannot be written right now, please try again"
#: As the reviews backend takes them: a name or title is one line with something visible in
#: it; a review's text may have tabs and line breaks but no other control character.
VISIBLE_LINE = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
MULTILINE_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

bff = Router(tags=["reviews"])


class ReviewIn(Schema):
    author: str = Field(
        ..., min_length=1, max_length=60, pattern=VISIBLE_LINE, description="shown name"
    )
    rating: StrictInt = Field(..., ge=1, le=5, description="stars, 1 to 5")
    title: str = Field(..., min_length=1, max_length=120, pattern=VISIBLE_LINE)
    body: str = Field(..., min_length=10, max_length=4000, pattern=MULTILINE_TEXT)


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
async def write(request: HttpRequest, sku: SkuPath, review: ReviewIn):
    """Checked here and again by the reviews backend; a refused review stores nothing.

    401 without a visitor, 404 for a product the catalog does not know, and the backend's
    409 (already reviewed) or 429 (too many lately, with Retry-After) as it answered.
    """
    visitor = require_visitor(request)
    try:
        await get_json("catalog", backend_path("products", sku))
    except BackendError as exc:  # the catalog's other refusals are not the browser's doing
        if exc.status == 404:
            return problem(404, f"there is no product {sku} in the catalog")
        return problem(502, UNAVAILABLE)
    try:
        created = await call(
            "reviews",
            "POST",
            backend_path("products", sku, "reviews"),
            json={**review.dict(), "visitor": visitor},
        )
    except BackendError as exc:
        return bff_error(exc, UNAVAILABLE)
    return Status(201, created)


async def render(request: HttpRequest, sku: str) -> str:
    if not is_sku(sku):
        raise NotFound(sku)
    path = backend_path("products", sku, "reviews")
    data = await get_json_or(None, "reviews", path, limit=SHOWN)
    return render_template("reviews", "reviews.html", sku=sku, data=data, heading=HEADING)


fragment = Fragment(
    name="reviews",
    render=render,
    path="/fragment/{sku}",
    styles=("reviews.css",),
    scripts=("reviews.js",),
    bff=bff,
    timeout_ms=800,
    # The same for everyone (the form asks for a name; writing checks the visitor in the
    # BFF). A shopper who just published a review reloads to see it: no freshness at all,
    # every page asks (If-None-Match, a 304 when nothing changed), so the new review is
    # there. What the cache is for here is a day's stale-if-error: older reviews beat none
    # when the service fails. "Cannot be shown" (backend down): no-store.
    caching=Caching(shared=True, revalidate=True, stale_if_error=86_400),
    owner="community",
    description="Rating summary, latest reviews and the form to write one.",
)
