"""The catalog's own words on the Korean store: the kit asks every backend for the current
language (`Accept-Language`), so each fragment showing catalog data (names, descriptions,
specifications, categories) shows it in the page's language, and names the page in it; the
listing's price filter takes its bounds in the currency the page shows, won on a Korean page."""

from __future__ import annotations

import asyncio
from urllib.parse import unquote

import httpx
import pytest
from django.test import RequestFactory
from django.utils import translation
from ninja.testing import TestAsyncClient

from fragments.kit.backends import get_json
from fragments.kit.fragment import load
from fragments.kit.views import fragment_view
from fragments.listing.fragment import MAX_EUROS, MAX_WON, Choice
from fragments.listing.fragment import render as listing
from tests.fragments.conftest import CATEGORIES, KETTLE, SKU
from tests.fragments.test_i18n import _answer

KETTLE_KO = {
    **KETTLE,
    "name": "어반 전기포트",
    "description": "물이 빨리 끓는 전기포트입니다. 오래 쓸 수 있습니다.",
    "attributes": {"소재": "스틸"},
}
CATEGORIES_KO = [
    {**CATEGORIES[0], "name": "주방"},
    {**CATEGORIES[1], "name": "도서"},
]


def _in_language(english, korean):
    """A catalog answer that is `korean` to a caller asking for Korean, else `english`, as
    the catalog answers (backends/catalog/api.py)."""

    def answer(request: httpx.Request) -> httpx.Response:
        asked = request.headers.get("accept-language", "")
        return httpx.Response(200, json=korean if asked == "ko" else english)

    return answer


@pytest.fixture
def bilingual(shop):
    """The demo shop, its catalog answering in Korean to whoever asks for it."""
    shop.on("catalog", "GET", "/categories", _in_language(CATEGORIES, CATEGORIES_KO))
    shop.on("catalog", "GET", f"/products/{SKU}", _in_language(KETTLE, KETTLE_KO))
    shop.on(
        "catalog",
        "GET",
        "/products",
        _in_language({"total": 1, "items": [KETTLE]}, {"total": 1, "items": [KETTLE_KO]}),
    )
    return shop


@pytest.fixture
def languages_asked(fake_backends):
    """The `Accept-Language` of every call to the catalog's /categories."""
    asked: list[str | None] = []

    def categories(request: httpx.Request) -> httpx.Response:
        asked.append(request.headers.get("accept-language"))
        return httpx.Response(200, json=CATEGORIES)

    fake_backends.on("catalog", "GET", "/categories", categories)
    return asked


# -- the kit asks for the language ------------------------------------------------------------


def test_the_kit_asks_backends_for_the_current_language(languages_asked):
    with translation.override("ko"):
        asyncio.run(get_json("catalog", "/categories"))
    with translation.override("en-us"):  # a region is not the catalog's business
        asyncio.run(get_json("catalog", "/categories"))
    with translation.override(None):  # none active: the default
        asyncio.run(get_json("catalog", "/categories"))
    assert languages_asked == ["ko", "en", "en"]


def test_a_fragment_asks_in_the_pages_language_never_the_browsers(languages_asked):
    view = fragment_view(load("categories"), "1.0")
    for locale in ("ko", "en", "de"):
        request = RequestFactory().get(
            "/fragment", HTTP_X_TESSERA_LOCALE=locale, HTTP_ACCEPT_LANGUAGE="ko-KR,ko"
        )
        asyncio.run(view(request))
    assert languages_asked == ["ko", "en", "en"]


def test_a_bff_asks_in_its_callers_language(bilingual):
    hero = TestAsyncClient(load("hero").bff)
    korean = asyncio.run(hero.get("/deals?page=1", headers={"x-tessera-locale": "ko"}))
    assert korean.json()["items"][0]["name"] == "어반 전기포트"
    browser = asyncio.run(hero.get("/deals?page=1", headers={"Accept-Language": "ko-KR,ko"}))
    assert browser.json()["items"][0]["name"] == "어반 전기포트"
    english = asyncio.run(hero.get("/deals?page=1"))
    assert english.json()["items"][0]["name"] == "Urban Kettle"


# -- the fragments show the catalog in the page's language --------------------------------------

#: What each fragment shows of the catalog: a product's name or the categories' names.
SHOWS = {
    "listing": [("어반 전기포트", "Urban Kettle"), ("주방", "Kitchen")],
    "product": [("어반 전기포트", "Urban Kettle"), ("주방", "Kitchen"), ("소재", "Material")],
    "hero": [("어반 전기포트", "Urban Kettle")],
    "recommendations": [("어반 전기포트", "Urban Kettle")],
    "cart": [("어반 전기포트", "Urban Kettle")],
    "header": [("주방", "Kitchen"), ("도서", "Books")],
    "footer": [("주방", "Kitchen"), ("도서", "Books")],
    "categories": [("주방", "Kitchen"), ("도서", "Books")],
}


@pytest.mark.parametrize("name", sorted(SHOWS))
def test_each_fragment_shows_the_catalog_in_the_pages_language(bilingual, name):
    korean_page = _answer(name, "ko").content.decode()
    english_page = _answer(name, "en").content.decode()
    for korean, english in SHOWS[name]:
        assert korean in korean_page and english not in korean_page, (name, korean)
        assert english in english_page and korean not in english_page, (name, english)


def test_the_product_page_is_named_in_korean(bilingual):
    korean_page = _answer("product", "ko")
    assert unquote(korean_page["X-Page-Title"]) == "어반 전기포트"
    assert unquote(korean_page["X-Page-Description"]) == "물이 빨리 끓는 전기포트입니다."
    assert '<h1 id="product-title">어반 전기포트</h1>' in korean_page.content.decode()
    english_page = _answer("product", "en")
    assert unquote(english_page["X-Page-Title"]) == "Urban Kettle"
    # Cached per language: the two answers are two entries of the shell's cache.
    assert korean_page["ETag"] != english_page["ETag"]
    assert "x-tessera-locale" in korean_page["Vary"]


def test_a_category_page_is_named_in_korean(bilingual):
    korean_page = _answer("listing", "ko")
    assert unquote(korean_page["X-Page-Title"]) == "주방"
    assert '<h1 id="listing-title">주방</h1>' in korean_page.content.decode()
    assert unquote(_answer("listing", "en")["X-Page-Title"]) == "Kitchen"


# -- the price filter in the page's currency ----------------------------------------------------

PRICED = {"SKU-1": 500, "SKU-2": 1000, "SKU-3": 2500}  # €5 (₩7,500), €10 (₩15,000), €25


@pytest.fixture
def priced(fake_backends):
    items = [{**KETTLE, "sku": sku, "name": f"Thing {sku}"} for sku in PRICED]
    on = fake_backends.on
    on("catalog", "GET", "/categories", CATEGORIES)
    on("catalog", "GET", "/products", {"total": len(items), "items": items})
    on("pricing", "GET", "/prices", [
        {"sku": sku, "price_cents": cents, "list_price_cents": cents, "currency": "EUR",
         "deal": False} for sku, cents in PRICED.items()
    ])  # fmt: skip
    on("inventory", "GET", "/stock", [
        {"sku": sku, "quantity": 3, "in_stock": True} for sku in PRICED
    ])  # fmt: skip
    return fake_backends


def _shown(locale: str, **query: str) -> tuple[list[str], str]:
    """The SKUs a category page in `locale` lists with `query`, and its HTML."""
    view = fragment_view(load("listing"), "1.0")
    request = RequestFactory().get(
        "/fragment", {"category": "kitchen", **query}, HTTP_X_TESSERA_LOCALE=locale
    )
    answer = asyncio.run(view(request))
    assert answer.status_code == 200
    html = answer.content.decode()
    return [sku for sku in PRICED if f"/product/{sku}" in html], html


@pytest.mark.parametrize(
    ("query", "skus"),
    [
        ({"min": "7500", "max": "15000"}, ["SKU-1", "SKU-2"]),  # ₩7,500 to ₩15,000
        ({"min": "7501"}, ["SKU-2", "SKU-3"]),  # above €5.00 by a won: from €5.01
        ({"max": "14999"}, ["SKU-1"]),  # below €10.00 by a won: up to €9.99
        ({"min": "15000", "max": "37500"}, ["SKU-2", "SKU-3"]),
        ({"min": "10"}, ["SKU-1", "SKU-2", "SKU-3"]),  # ₩10, not €10
        ({"max": "25"}, []),  # ₩25, not €25: nothing that cheap
    ],
)
def test_a_korean_pages_price_filter_is_in_won(priced, query, skus):
    shown, html = _shown("ko", **query)
    assert shown == skus
    if not skus:
        assert "조건에 맞는 상품이 없습니다." in html


@pytest.mark.parametrize(
    ("query", "skus"),
    [
        ({"min": "5", "max": "10"}, ["SKU-1", "SKU-2"]),
        ({"min": "10"}, ["SKU-2", "SKU-3"]),
        ({"max": "25"}, ["SKU-1", "SKU-2", "SKU-3"]),
        ({"min": "7500"}, []),  # €7,500, not won
    ],
)
def test_an_english_pages_price_filter_stays_in_euros(priced, query, skus):
    assert _shown("en", **query)[0] == skus


def test_the_filters_form_asks_for_won_on_a_korean_page_and_keeps_them(priced):
    _, html = _shown("ko", min="7500", max="15000")
    assert "최저 가격(원)" in html and "최고 가격(원)" in html and "€" not in html
    assert f'name="min" min="0" max="{MAX_WON}"' in html and 'value="7500"' in html
    assert 'value="15000"' in html
    _, english = _shown("en", min="5", max="10")
    assert "Price from €" in english and "₩" not in english
    assert f'name="min" min="0" max="{MAX_EUROS}"' in english and 'value="10"' in english


@pytest.mark.parametrize(
    "bound",
    ["abc", "-5", "1e3", "٣", "9" * 10, "9" * 5000, "15,000", " 7500", ""],
)
@pytest.mark.parametrize("locale", ["ko", "en"])
def test_a_bad_bound_is_left_unset_not_an_error(priced, locale, bound):
    shown, html = _shown(locale, min=bound, max=bound)  # a 200, never an error
    assert shown == list(PRICED)
    assert html.count('inputmode="numeric" value="">') == 2  # the form's boxes left empty


def test_the_bounds_in_cents_round_to_what_the_page_shows():
    with translation.override("ko"):
        korean_choice = Choice.of(RequestFactory().get("/", {"min": "1501", "max": "1499"}).GET)
    assert (korean_choice.min_cents, korean_choice.max_cents) == (101, 99)
    with translation.override("en"):
        english_choice = Choice.of(RequestFactory().get("/", {"min": "2", "max": "3"}).GET)
    assert (english_choice.min_cents, english_choice.max_cents) == (200, 300)
    assert Choice().max_cents is None and Choice().min_cents == 0


def test_a_won_bound_counts_up_to_nine_digits_past_what_euros_allow(priced):
    assert MAX_WON > MAX_EUROS
    assert _shown("ko", min=str(MAX_WON))[0] == []  # ₩999,999,999 up: nothing
    assert _shown("ko", min=str(MAX_WON + 1))[0] == list(PRICED)  # too many digits: unset
    assert _shown("en", min=str(MAX_EUROS))[0] == []
    assert _shown("en", min=str(MAX_EUROS + 1))[0] == list(PRICED)  # past the bound: unset


def test_search_results_filter_in_won_too(priced):
    request = RequestFactory().get("/fragment", {"q": "thing", "min": "10000"})
    with translation.override("ko"):
        html = asyncio.run(listing(request)).html
    assert "/product/SKU-1" not in html and "/product/SKU-2" in html
