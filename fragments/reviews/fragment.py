"""Reviews: a product's rating summary and latest reviews, and writing one through the BFF.

Writing needs a visitor the shell vouched for and a product the catalog knows. How many
reviews a visitor may write (one per product, a few in a while) is the reviews backend's
to enforce: it keeps every review with its writer, so the limits hold whichever BFF
instance a request reaches, and across restarts. A review the BFF refuses is a 422 whose
errors each name a field and say in words what to do ("Please give your name."), so the
form can mark the field; a published one comes back with the product's new summary.
"""

from __future__ import annotations

import math
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from ninja import Field, Router, Schema, Status
from pydantic import StrictInt, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

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
from fragments.kit.params import SkuPath, VisibleLine, VisibleText, is_sku
from fragments.kit.rendering import render as render_template
from fragments.kit.visitor import require_visitor
from tessera.runtime.env import env_str
from tessera.runtime.openapi import problem
from tessera.runtime.text import shows

SHOWN = 10
#: The section's heading; a deploy may set it to try a new wording (see `manage.py deploy`),
#: then shown as it is given, in every language.
HEADING = env_str("REVIEWS_HEADING", "") or gettext_lazy("Customer reviews")
UNAVAILABLE = gettext_lazy("reviews cannot be written right now, please try again")
#: As the reviews backend takes them: a name or title is one line with something visible in
#: it (the kit's `VisibleLine`); a review's text, several lines with something visible in
#: them (`VisibleText`).

#: What the shopper is told about a field the BFF refuses, by what is wrong with it: nothing
#: worth the name in it ("missing"), too much of it ("long"), or characters it cannot take.
MESSAGES: dict[str, dict[str, Any]] = {
    "author": {
        "missing": gettext_lazy("Please give your name."),
        "long": gettext_lazy("Please shorten your name to 60 characters at most."),
        "text": gettext_lazy("Please give your name as one line of plain text."),
    },
    "rating": {"missing": gettext_lazy("Please choose a rating from 1 to 5 stars.")},
    "title": {
        "missing": gettext_lazy("Please give your review a title."),
        "long": gettext_lazy("Please shorten the title to 120 characters at most."),
        "text": gettext_lazy("Please give the title as one line of plain text."),
    },
    "body": {
        "missing": gettext_lazy("Please write at least 10 characters about the product."),
        "long": gettext_lazy("Please shorten your review to 4,000 characters at most."),
        "text": gettext_lazy(
            "Your review holds characters that cannot be shown: please remove them."
        ),
    },
}

#: The faults of text that holds characters a field cannot take (the kit's types', a pattern's).
PATTERN_FAULTS = ("visible_line", "visible_text", "string_pattern_mismatch")

bff = Router(tags=["reviews"])


def _fault(error: ValidationError, value: Any) -> str:
    """Which of MESSAGES' faults `error` (about one field holding `value`) is."""
    kind = error.errors()[0]["type"]
    if kind == "string_too_long":
        return "long"
    if kind in PATTERN_FAULTS and isinstance(value, str) and any(map(shows, value)):
        return "text"
    return "missing"  # empty, blank, short, of the wrong type, out of range


class ReviewIn(Schema):
    author: VisibleLine = Field(..., min_length=1, max_length=60, description="shown name")
    rating: StrictInt = Field(..., ge=1, le=5, description="stars, 1 to 5")
    title: VisibleLine = Field(..., min_length=1, max_length=120)
    body: VisibleText = Field(..., min_length=10, max_length=4000)

    @field_validator("author", "rating", "title", "body", mode="wrap")
    @classmethod
    def _in_words(cls, value: Any, check: Any, info: ValidationInfo) -> Any:
        """The field's own checks (above), refused in words for the shopper (MESSAGES). The
        form sends every field, `null` for no rating; a field left out of the JSON altogether
        is pydantic's plain "Field required"."""
        try:
            return check(value)
        except ValidationError as error:
            said = MESSAGES[info.field_name]
            message = said.get(_fault(error, value), said["missing"])
            raise PydanticCustomError("review_field", str(message)) from None


class ReviewOut(Schema):
    id: int
    author: str
    rating: int
    title: str
    body: str
    created_at: str


class Published(ReviewOut):
    summary_html: str | None = Field(
        description="the product's rating summary with this review, as the fragment shows it "
        "(null when it could not be read back)"
    )


def refusal_in_words(exc: BackendError) -> str | None:
    """The reviews backend's refusals (in English) in this BFF's words, in the current language."""
    if exc.status == 409:
        return _("You have already reviewed this product.")
    if exc.status == 429:
        minutes = math.ceil(int(exc.retry_after or "60") / 60)
        return ngettext(
            "You have written several reviews lately: please try again in %(num)d minute.",
            "You have written several reviews lately: please try again in %(num)d minutes.",
            minutes,
        ) % {"num": minutes}
    return None


async def summary_html(sku: str) -> str | None:
    """The product's rating summary as the fragment renders it; None if it cannot be read."""
    data = await get_json_or(None, "reviews", backend_path("products", sku, "reviews"), limit=1)
    return None if data is None else render_template("reviews", "summary.html", **data)


@bff.post(
    "/products/{sku}/reviews", response={201: Published}, summary="Write a review of a product"
)
async def write(request: HttpRequest, sku: SkuPath, review: ReviewIn):
    """Checked here and again by the reviews backend; a refused review stores nothing.

    422 naming each field at fault in words, 401 without a visitor, 404 for a product the
    catalog does not know, 409 for a product the visitor already reviewed (in the BFF's
    words: the backend's name the SKU), and the backend's 429 (too many lately, with
    Retry-After) as it answered. A published review comes back with the summary.
    """
    visitor = require_visitor(request)
    try:
        await get_json("catalog", backend_path("products", sku))
    except BackendError as exc:  # the catalog's other refusals are not the browser's doing
        if exc.status == 404:
            return problem(404, _("there is no product %(sku)s in the catalog") % {"sku": sku})
        return problem(502, str(UNAVAILABLE))
    try:
        created = await call(
            "reviews",
            "POST",
            backend_path("products", sku, "reviews"),
            json={**review.dict(), "visitor": visitor},
        )
    except BackendError as exc:
        if exc.status == 409:  # the backend names the SKU: the shopper knows the product
            return problem(409, _("You have already reviewed this product."))
        return bff_error(exc, str(UNAVAILABLE), refusal_in_words)
    return Status(201, {**created, "summary_html": await summary_html(sku)})


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
