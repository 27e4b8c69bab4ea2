"""Product detail: the primary fragment of the product page.

An unknown SKU makes the page a real 404, a SKU typed in lower case a redirect to its page;
a known one names the page's title and description. Pictures come through this fragment's own BFF.
"""

from __future__ import annotations

import asyncio

from django.http import HttpRequest
from ninja import Router

from fragments.kit.backends import BackendError, add_image_relay, backend_path, get_json
from fragments.kit.caching import Caching
from fragments.kit.fragment import Fragment, MovedTo, NotFound, Rendered
from fragments.kit.params import is_sku
from fragments.kit.rendering import render as render_template

bff = Router(tags=["product"])
add_image_relay(bff)


async def render(request: HttpRequest, sku: str) -> Rendered:
    if not is_sku(sku):
        if is_sku(sku.upper()):  # typed in lower case: the page of the SKU as it is written
            page = request.headers.get("x-tessera-path", "").partition("?")[0]
            base = page.rpartition("/")[0] if page.endswith("/" + sku) else "/product"
            raise MovedTo(f"{base}/{sku.upper()}")
        raise NotFound(sku)
    try:
        product, categories = await asyncio.gather(
            get_json("catalog", backend_path("products", sku)), get_json("catalog", "/categories")
        )
    except BackendError as exc:
        if exc.status == 404:
            raise NotFound(sku) from None
        raise
    category = next((c for c in categories if c["slug"] == product["category"]), None)
    html = render_template("product", "product.html", product=product, category=category)
    summary = product["description"].split(". ")[0].rstrip(".") + "."
    return Rendered(html, title=product["name"], description=summary)


fragment = Fragment(
    name="product",
    render=render,
    path="/fragment/{sku}",
    styles=("product.css",),
    bff=bff,
    timeout_ms=800,
    # The same for everyone, from the SKU in its URL. Name, description and specifications
    # change only when the catalog is edited, and it shows no price or stock (the buy box
    # does): half a minute fresh, a minute more while refreshed, a day standing in for a
    # failure (the primary: a stale product beats the 503 page). An unknown SKU's 404 and a
    # failed catalog's 503 are no-store (the kit).
    caching=Caching(shared=True, max_age=30, stale_while_revalidate=60, stale_if_error=86_400),
    primary=True,
    owner="catalog",
    description="Product detail: pictures, description and specifications.",
)
