"""What each fragment tells the shell's fragment cache: `Cache-Control` and `Vary` on a normal
answer, `no-store` on a degraded or failed one, an `ETag` and a 304 for a matching
`If-None-Match`; and that a fragment says `public` only when its HTML is everyone's."""

from __future__ import annotations

import asyncio
import time

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from fragments.kit import views
from fragments.kit.caching import NO_STORE, Caching, etag, matches
from fragments.kit.deadline import deadline_in
from fragments.kit.fragment import Fragment, load
from fragments.kit.views import fragment_view
from tessera.runtime.visitor import sign_visitor
from tests.fragments.conftest import KETTLE, KEY, REVIEWS, SKU, VISITOR
from tests.fragments.test_kit import FRAGMENTS as ALL_FRAGMENTS

DAY = 86_400
#: Every cacheable answer is in the page's language: the kit varies it on the locale.
LOCALE = "x-tessera-locale"
#: What each fragment sends on a normal answer: Cache-Control, Vary (None: no Vary).
EXPECTED = {
    "header": ("private, no-cache, stale-if-error=300", "x-tessera-locale, x-tessera-path"),
    "footer": (f"public, max-age=60, stale-while-revalidate=600, stale-if-error={DAY}", LOCALE),
    "categories": (
        f"public, max-age=60, stale-while-revalidate=600, stale-if-error={DAY}",
        LOCALE,
    ),
    "hero": (f"public, max-age=60, stale-while-revalidate=300, stale-if-error={DAY}", LOCALE),
    "listing": (f"public, max-age=10, stale-while-revalidate=30, stale-if-error={DAY}", LOCALE),
    "product": (f"public, max-age=30, stale-while-revalidate=60, stale-if-error={DAY}", LOCALE),
    "buybox": ("public, max-age=5, stale-while-revalidate=5, stale-if-error=600", LOCALE),
    "reviews": (f"public, no-cache, stale-if-error={DAY}", LOCALE),
    "recommendations": (
        f"public, max-age=60, stale-while-revalidate=600, stale-if-error={DAY}",
        LOCALE,
    ),
    "cart": ("no-store", None),
    "checkout": ("no-store", None),
}
#: How each fragment is asked for in these tests: path parameters and query.
ASKED: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "header": ({}, {"q": "kettle"}),
    "footer": ({}, {}),
    "categories": ({}, {}),
    "hero": ({}, {}),
    "listing": ({}, {"category": "kitchen"}),
    "product": ({"sku": SKU}, {}),
    "buybox": ({"sku": SKU}, {}),
    "reviews": ({"sku": SKU}, {}),
    "recommendations": ({"sku": SKU}, {}),
    "cart": ({}, {}),
    "checkout": ({}, {}),
}


def _request(query: dict[str, str], visitor: str | None = VISITOR, **headers: str):
    """A fragment request as the shell sends it: the signed visitor token plus `headers`
    (Django's META names: HTTP_ACCEPT_LANGUAGE=...)."""
    if visitor is not None:
        headers["HTTP_X_TESSERA_VISITOR"] = sign_visitor(visitor, KEY.encode(), time.time())
    return RequestFactory().get("/fragment", query, **headers)


def _answer(name: str, version: str = "1.0", visitor: str | None = VISITOR, **headers: str):
    params, query = ASKED[name]
    view = fragment_view(load(name), version)
    return asyncio.run(view(_request(query, visitor, **headers), **params))


FRAGMENTS = sorted(EXPECTED)


def test_every_fragment_is_covered_here():
    assert sorted(ALL_FRAGMENTS) == FRAGMENTS


@pytest.mark.parametrize("name", FRAGMENTS)
def test_a_normal_answer_says_how_the_shell_may_cache_it(shop, name):
    response = _answer(name)
    cache_control, vary = EXPECTED[name]
    assert response.status_code == 200
    assert response["Cache-Control"] == cache_control
    assert response.get("Vary") == vary
    assert response.has_header("ETag") == (cache_control != "no-store")


PUBLIC = [name for name in FRAGMENTS if EXPECTED[name][0].startswith("public")]


@pytest.mark.parametrize("name", PUBLIC)
def test_nothing_the_visitor_sends_changes_a_public_fragment(shop, name):
    """A `public` answer is served to every visitor: its HTML may depend on nothing but its
    URL and the headers it varies on (the locale only: both name one the fragments lack, so
    both get the default). Two visitors as different as can be, and a request with no visitor
    at all, get the same."""
    ada = _answer(
        name,
        visitor=VISITOR,
        HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8",
        HTTP_X_TESSERA_LOCALE="en-GB",
        HTTP_X_TESSERA_PATH="/",
        HTTP_USER_AGENT="Firefox",
        HTTP_REFERER="https://example.com/",
    )
    bob = _answer(
        name,
        visitor="visitor-9876543210",
        HTTP_ACCEPT_LANGUAGE="de-DE",
        HTTP_X_TESSERA_LOCALE="de-DE",
        HTTP_X_TESSERA_PATH="/c/kitchen",
        HTTP_USER_AGENT="curl",
    )
    nobody = _answer(name, visitor=None)
    assert ada.content == bob.content == nobody.content
    assert ada["ETag"] == bob["ETag"] == nobody["ETag"]


def test_the_header_is_per_visitor_and_per_page_path_never_public(shop):
    shop.on("cart", "GET", "/carts/visitor-9876543210", {
        "visitor": "visitor-9876543210", "items": [], "count": 0
    })  # fmt: skip
    ada = _answer("header", HTTP_X_TESSERA_PATH="/c/kitchen")
    bob = _answer("header", visitor="visitor-9876543210", HTTP_X_TESSERA_PATH="/c/kitchen")
    assert ada.content != bob.content  # each one's cart count...
    assert b"data-cart-count>2<" in ada.content and b"data-cart-count>0<" in bob.content
    for answer in (ada, bob):  # ...so each one's copy
        assert "private" in answer["Cache-Control"] and "public" not in answer["Cache-Control"]
        assert "s-maxage" not in answer["Cache-Control"]
    home = _answer("header", HTTP_X_TESSERA_PATH="/")
    assert home.content != ada.content  # aria-current on the category: it varies on the path
    assert "x-tessera-path" in ada["Vary"]


def test_the_cart_is_never_kept_for_anyone(shop):
    response = _answer("cart")
    assert response.status_code == 200 and b"Urban Kettle" in response.content
    assert response["Cache-Control"] == "no-store"
    assert not response.has_header("ETag") and not response.has_header("Vary")
    # Even asked to revalidate something, it sends the whole cart.
    again = _answer("cart", HTTP_IF_NONE_MATCH="*")
    assert again.status_code == 200 and again["Cache-Control"] == "no-store"


#: A backend down, and the answer each fragment then gives: a degraded 200 or a 503.
DEGRADED = [
    ("header", "cart", 200),
    ("header", "catalog", 200),
    ("footer", "catalog", 200),
    ("categories", "catalog", 200),
    ("hero", "pricing", 200),
    ("hero", "catalog", 200),
    ("listing", "pricing", 200),
    ("listing", "catalog", 503),
    ("product", "catalog", 503),
    ("buybox", "inventory", 200),
    ("buybox", "pricing", 200),
    ("reviews", "reviews", 200),
    ("recommendations", "pricing", 200),
    ("recommendations", "recommendations", 503),
    ("cart", "cart", 200),
    ("checkout", "cart", 200),
    ("checkout", "catalog", 200),
]


@pytest.mark.parametrize(("name", "down", "status"), DEGRADED)
def test_an_answer_made_while_a_backend_failed_is_never_stored(shop, name, down, status):
    shop.down.add(down)
    response = _answer(name, HTTP_IF_NONE_MATCH="*")
    assert response.status_code == status
    assert response["Cache-Control"] == "no-store"
    assert not response.has_header("ETag") and not response.has_header("Vary")


@pytest.mark.parametrize(("name", "down", "status"), DEGRADED)
def test_an_answer_with_a_backends_error_status_is_never_stored(shop, name, down, status):
    """An answer, not an outage of the connection: a 500 (or a 429) degrades it the same."""
    for backend, _, path in list(shop.routes):
        if backend == down:
            shop.on(backend, "GET", path, {"detail": "boom"}, status=500)
    response = _answer(name)
    assert response.status_code == status
    assert response["Cache-Control"] == "no-store"


def test_an_answer_made_with_no_time_left_for_its_backends_is_never_stored(shop):
    async def scenario():
        view = fragment_view(load("footer"), "1.0")
        with deadline_in(0.0):
            return await view(_request({}))

    response = asyncio.run(scenario())
    assert response.status_code == 200 and b"Browse" not in response.content
    assert response["Cache-Control"] == "no-store"
    assert shop.calls == []  # not even asked


@pytest.mark.parametrize("name", ["product", "buybox", "reviews", "recommendations"])
def test_not_found_is_never_stored(shop, name):
    view = fragment_view(load(name), "1.0")
    response = asyncio.run(view(_request({}), sku="../etc"))
    assert response.status_code == 404 and response["Cache-Control"] == "no-store"
    assert not response.has_header("ETag")


def test_a_matching_if_none_match_is_a_304_with_what_the_cache_needs(shop):
    first = _answer("footer")
    tag = first["ETag"]
    assert tag.startswith('"') and tag.endswith('"') and not tag.startswith("W/")
    for asked in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        again = _answer("footer", HTTP_IF_NONE_MATCH=asked)
        assert again.status_code == 304 and again.content == b""
        assert again["ETag"] == tag
        assert again["Cache-Control"] == first["Cache-Control"]
        assert again["X-Fragment-Version"] == "1.0"
        assert not again.has_header("Content-Type") and not again.has_header("Link")
    header = _answer("header", HTTP_IF_NONE_MATCH=_answer("header")["ETag"])
    assert header.status_code == 304 and header["Vary"] == "x-tessera-locale, x-tessera-path"


def test_anything_else_in_if_none_match_gets_the_whole_answer(shop):
    tag = _answer("footer")["ETag"]
    for asked in ('"other"', tag[:-2] + '"', "", tag.strip('"')):
        response = _answer("footer", HTTP_IF_NONE_MATCH=asked)
        assert response.status_code == 200 and b"Browse" in response.content


def test_the_etag_changes_with_the_body_the_page_title_and_the_version(shop):
    first = _answer("product")
    assert _answer("product")["ETag"] == first["ETag"]  # stable: a hash, not a counter
    assert _answer("product", version="2.0")["ETag"] != first["ETag"]  # a new version's assets
    shop.on("catalog", "GET", f"/products/{SKU}", {**KETTLE, "name": "Urban Kettle II"})
    renamed = _answer("product", HTTP_IF_NONE_MATCH=first["ETag"])
    assert renamed.status_code == 200 and renamed["ETag"] != first["ETag"]
    shop.on("catalog", "GET", f"/products/{SKU}", KETTLE)
    shop.on("reviews", "GET", f"/products/{SKU}/reviews", {**REVIEWS, "items": []})
    assert _answer("reviews")["ETag"] != _answer("product")["ETag"]


def test_a_fragment_that_declares_nothing_leaves_it_to_the_registry(shop):
    async def render(request):
        return "<p>plain</p>"

    view = fragment_view(Fragment("plain", render), "1.0")
    response = asyncio.run(view(_request({})))
    assert response.status_code == 200 and not response.has_header("Cache-Control")
    assert response.has_header("ETag")  # revalidation works with the registry's max age too
    again = asyncio.run(view(_request({}, HTTP_IF_NONE_MATCH=response["ETag"])))
    assert again.status_code == 304


def test_a_fragment_that_declares_nothing_still_never_stores_a_degraded_answer(shop):
    from fragments.kit.backends import get_json_or

    async def render(request):
        return f"<p>{await get_json_or('?', 'nowhere', '/x')}</p>"

    response = asyncio.run(fragment_view(Fragment("plain", render), "1.0")(_request({})))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"


def test_an_answer_that_sets_a_cookie_is_never_stored():
    response = HttpResponse("<p>hi</p>")
    response["X-Fragment-Version"] = "1"
    response.set_cookie("reviews_sort", "newest")
    request = RequestFactory().get("/fragment", HTTP_IF_NONE_MATCH="*")
    caching = Caching(shared=True, max_age=60)
    answered = views._cache_headers(request, response, caching, degraded=False)
    assert answered.status_code == 200 and answered["Cache-Control"] == "no-store"
    assert not answered.has_header("ETag")


def test_a_declaration_becomes_cache_control():
    assert Caching(shared=True, max_age=60).cache_control() == "public, max-age=60"
    assert Caching(shared=False, max_age=0).cache_control() == "private, max-age=0"
    assert Caching(shared=True).cache_control() == "public"  # the registry fills in the rest
    assert (
        Caching(
            shared=True, max_age=10, stale_while_revalidate=30, stale_if_error=0
        ).cache_control()
        == "public, max-age=10, stale-while-revalidate=30, stale-if-error=0"
    )
    assert Caching(shared=False, revalidate=True).cache_control() == "private, no-cache"
    assert NO_STORE.cache_control() == "no-store"
    assert Caching(shared=True, max_age=60, store=False).cache_control() == "no-store"


@pytest.mark.parametrize(
    "options",
    [
        {},  # shared must be said: public by default would leak one visitor's HTML
        {"shared": True, "max_age": -1},
        {"shared": True, "max_age": 1.5},
        {"shared": True, "max_age": True},
        {"shared": True, "stale_if_error": 10**9},
        {"shared": True, "vary": "accept-language"},
        {"shared": True, "vary": ("Accept-Language",)},
        {"shared": True, "vary": ("x-tessera-visitor",)},  # that is shared=False
        {"shared": True, "vary": ("x-request-id",)},  # never reusable: that is NO_STORE
        {"shared": True, "vary": ("*",)},
        {"shared": False, "revalidate": True, "stale_while_revalidate": 5},
    ],
)
def test_a_declaration_the_shell_could_not_use_is_refused_at_import(options):
    with pytest.raises((TypeError, ValueError)):
        Caching(**options)


def test_if_none_match_is_compared_weakly_against_the_tag():
    tag = etag("body")
    assert tag == etag("body") != etag("bod", "y")  # parts are delimited
    assert matches(tag, tag) and matches(f"W/{tag}", tag) and matches(f'"a" , {tag}', tag)
    assert matches("*", tag)
    assert not matches(None, tag) and not matches("", tag) and not matches('"a"', tag)
