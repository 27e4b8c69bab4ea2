"""The product list: a category's products or search results, with prices, in pages.

It is the primary fragment of the category and search pages: an unknown category makes the
page a 404, and the list names the page's title.
"""

from __future__ import annotations

import asyncio
import math
import re
from urllib.parse import urlencode

from django.http import HttpRequest
from ninja import Router

from fragments.kit.backends import add_image_relay, get_json, get_json_or
from fragments.kit.caching import Caching
from fragments.kit.fragment import Fragment, NotFound, Rendered
from fragments.kit.params import MAX_SEARCH, query_int, query_text
from fragments.kit.rendering import render as render_template

PAGE_SIZE = 12
MAX_PAGE = 1000
#: A category slug as the catalog makes them; anything else names no category.
CATEGORY = re.compile(r"[a-z0-9-]{1,50}")

bff = Router(tags=["listing"])
add_image_relay(bff)


async def render(request: HttpRequest) -> Rendered:
    """A page of a category's products or of search results.

    A malformed or out-of-range `page` shows the first page; a `category` that is not a
    slug is a 404 like an unknown one, before any backend is asked.
    """
    category_slug = request.GET.get("category", "")
    if category_slug and not CATEGORY.fullmatch(category_slug):
        raise NotFound(category_slug)
    query = query_text(request.GET, "q", max_length=MAX_SEARCH)
    page = query_int(request.GET, "page", default=1, minimum=1, maximum=MAX_PAGE)
    categories, found = await asyncio.gather(
        get_json("catalog", "/categories"),
        get_json(
            "catalog",
            "/products",
            category=category_slug or None,
            q=query or None,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        ),
    )
    category = next((c for c in categories if c["slug"] == category_slug), None)
    if category_slug and category is None:
        raise NotFound(category_slug)
    skus = [p["sku"] for p in found["items"]]
    # Without pricing, cards show no price.
    priced = await get_json_or([], "pricing", "/prices", sku=skus) if skus else []
    prices = {p["sku"]: p for p in priced}
    if category:
        heading = title = category["name"]
        path, keep = f"/c/{category_slug}", {}
    else:
        heading = f"Results for “{query}”" if query else "All products"
        title = f"{query} — search" if query else heading
        path, keep = "/search", {"q": query} if query else {}
    html = render_template(
        "listing",
        "listing.html",
        heading=heading,
        query=query,
        total=found["total"],
        items=[{**p, "price": prices.get(p["sku"])} for p in found["items"]],
        page=page,
        pages=max(1, math.ceil(found["total"] / PAGE_SIZE)),
        href=lambda number: f"{path}?{urlencode({**keep, 'page': number})}",
    )
    return Rendered(html, title=title, description=f"{heading}: {found['total']} products.")


fragment = Fragment(
    name="listing",
    render=render,
    path="/fragment?category={category}&q={q}&page={page}",
    styles=("listing.css",),
    bff=bff,
    timeout_ms=800,
    # The same for everyone: category, search text and page are in the fragment's URL (the
    # key), nothing is read from the visitor, locale or page path. It shows prices: ten
    # seconds fresh and thirty more while refreshed. A day's stale-if-error (the primary:
    # a stale list beats the 503 page). Without prices it is degraded: no-store.
    caching=Caching(shared=True, max_age=10, stale_while_revalidate=30, stale_if_error=86_400),
    primary=True,
    owner="discovery",
    description="Product list of a category or of search results, with prices, in pages.",
)
