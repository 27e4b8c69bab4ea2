"""The site header: logo, category navigation, search box, mini-cart and language switch."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest

from fragments.kit.backends import backend_path, get_json_or
from fragments.kit.caching import Caching
from fragments.kit.fragment import Fragment
from fragments.kit.locale import shop_languages
from fragments.kit.params import MAX_SEARCH, query_text
from fragments.kit.rendering import render as render_template
from fragments.kit.visitor import visitor_of


async def cart_count(visitor: str | None) -> int | None:
    """How many items the visitor's cart holds; None when the cart cannot be asked."""
    if visitor is None:
        return 0
    cart = await get_json_or(None, "cart", backend_path("carts", visitor))
    return None if cart is None else int(cart["count"])


async def render(request: HttpRequest) -> str:
    query = query_text(request.GET, "q", max_length=MAX_SEARCH)
    path = request.headers.get("x-tessera-path", "")
    return render_template(
        "header",
        "header.html",
        categories=await get_json_or([], "catalog", "/categories"),
        count=await cart_count(visitor_of(request)),
        query=query,
        path=path,
        # Where the language switch sends the shopper back: this page, with its search text
        # (the rest of its query, e.g. a listing's sort, header.js adds from the address).
        here=(path or "/") + (f"?{urlencode({'q': query})}" if query else ""),
        languages=shop_languages(),
    )


fragment = Fragment(
    name="header",
    render=render,
    path="/fragment?q={q}",
    styles=("header.css",),
    scripts=("header.js",),
    timeout_ms=500,
    # Per visitor: the mini-cart's count is the visitor's (their signed token), and it changes
    # through the cart's BFF, which the shell's cache never hears of; a copy kept even a few
    # seconds would show an old count on the next page. So a copy is kept for its visitor
    # only and revalidated before each use (no-cache: the kit's ETag turns an unchanged
    # header into a 304, sparing the shell the body and its parsing), and stands in for
    # five minutes when the header fails, an old count being better than no navigation.
    # It varies on the page path (the current category's aria-current, the language switch's
    # way back) and, as every fragment, on the page's language (the kit adds it); the search
    # text is in the fragment's own URL (?q=), hence in the key. Made public, the header
    # would need its count filled in by the browser instead.
    caching=Caching(shared=False, revalidate=True, stale_if_error=300, vary=("x-tessera-path",)),
    owner="storefront",
    description="Logo, category navigation, search box, mini-cart and language switch.",
)
