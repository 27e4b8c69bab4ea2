"""The Korean storefront, from the fragments' side: each fragment answers in the language the
shell names (`x-tessera-locale`), varies on it, shows prices the Korean way, and its BFF
refuses in the caller's language; every catalog is complete and compiled."""

from __future__ import annotations

import ast
import asyncio
import gettext
import re
import time
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.test import RequestFactory
from django.utils import translation
from jinja2.ext import babel_extract
from ninja.testing import TestAsyncClient

from fragments.kit.fragment import load
from fragments.kit.money import charged, money
from fragments.kit.views import fragment_view
from tessera.runtime.env import REPO_ROOT
from tessera.runtime.visitor import sign_visitor
from tests.fragments.conftest import (
    KETTLE,
    KEY,
    SKU,
    VISITOR,
    visitor_headers,
)
from tests.fragments.test_caching import ASKED
from tests.fragments.test_kit import FRAGMENTS

TRANSLATED = list(FRAGMENTS)
#: What each fragment says in Korean, and the same in English, for the shop below.
SAYS = {
    "header": ("장바구니", "Cart"),
    "footer": ("쇼핑 안내", "Shopping with us"),
    "hero": ("오늘의 특가", "Today's deals"),
    "listing": ("상품 1개", "1 product"),
    "product": ("상품 사양", "Specifications"),
    "buybox": ("장바구니 담기", "Add to cart"),
    "reviews": ("리뷰 쓰기", "Write a review"),
    "recommendations": ("다른 고객이 함께 본 상품", "Customers also viewed"),
    "cart": ("결제하기", "Proceed to checkout"),
    "checkout": ("주문하기", "Place order"),
    "categories": ("카테고리별 쇼핑", "Shop by category"),
}
HANGUL = re.compile("[\uac00-\ud7a3]")
#: A Korean page's price of PRICE (€19.99 at €1 = ₩1,500).
WON = "₩29,985"


def _answer(name: str, locale: str | None = None, **headers: str):
    """`name`'s answer to the shell asking for it in `locale` (None: no header at all)."""
    params, query = ASKED[name]
    headers["HTTP_X_TESSERA_VISITOR"] = sign_visitor(VISITOR, KEY.encode(), time.time())
    if locale is not None:
        headers["HTTP_X_TESSERA_LOCALE"] = locale
    request = RequestFactory().get("/fragment", query, **headers)
    return asyncio.run(fragment_view(load(name), "1.0")(request, **params))


def test_the_korean_fragments_are_every_fragment_but_the_new_one():
    assert sorted(SAYS) == TRANSLATED


@pytest.mark.parametrize("name", TRANSLATED)
def test_each_fragment_answers_in_korean_when_the_shell_asks_for_it(shop, name):
    korean, english = SAYS[name]
    ko = _answer(name, "ko").content.decode()
    assert ko and korean in ko and english not in ko


@pytest.mark.parametrize("name", TRANSLATED)
@pytest.mark.parametrize("locale", ["en", None, "de", "ko-KR"])
def test_each_fragment_answers_in_english_otherwise(shop, name, locale):
    """English for `en`, and for anything that is not one of the shop's languages as the
    shell names them: the browser's own headers never count (the answer varies on the one)."""
    _, english = SAYS[name]
    en = _answer(name, locale, HTTP_ACCEPT_LANGUAGE="ko-KR,ko").content.decode()
    assert english in en and not HANGUL.search(en.replace("한국어", ""))


@pytest.mark.parametrize("name", [n for n in TRANSLATED if n not in ("cart", "checkout")])
def test_each_cacheable_answer_varies_on_the_locale_and_each_language_is_its_own(shop, name):
    ko, en = _answer(name, "ko"), _answer(name, "en")
    for answer in (ko, en):
        assert "x-tessera-locale" in [v.strip() for v in answer["Vary"].split(",")]
    assert ko["ETag"] != en["ETag"]


def test_the_page_title_and_description_follow_the_language(shop):
    view = fragment_view(load("listing"), "1.0")
    request = RequestFactory().get("/fragment", {"q": "kettle"}, HTTP_X_TESSERA_LOCALE="ko")
    answer = asyncio.run(view(request))
    assert unquote(answer["X-Page-Title"]) == "kettle — 검색"
    assert unquote(answer["X-Page-Description"]) == "“kettle” 검색 결과: 상품 1개."


@pytest.mark.parametrize(
    ("name", "won", "euros"),
    [
        ("listing", WON, "€19.99"),
        ("buybox", WON, "€19.99"),
        ("recommendations", WON, "€19.99"),
        ("cart", WON, "€19.99"),
        ("checkout", "₩59,970", "€39.98"),  # two of them
    ],
)
def test_prices_are_in_won_on_a_korean_page_and_in_euros_otherwise(shop, name, won, euros):
    ko, en = _answer(name, "ko").content.decode(), _answer(name, "en").content.decode()
    assert won in ko and euros not in ko
    assert euros in en and "₩" not in en


def test_where_money_is_taken_the_korean_page_says_it_is_charged_in_euros(shop):
    cart = _answer("cart", "ko").content.decode()
    assert "결제는 유로(EUR)로 청구됩니다" in cart and "€1 = ₩1,500" in cart
    checkout = _answer("checkout", "ko").content.decode()
    assert "카드 결제 금액" in checkout and 'data-review="charged"' in checkout
    assert 'data-won-per-cent="15"' in checkout
    english = _answer("checkout", "en").content.decode()
    assert 'data-review="charged"' not in english and 'data-won-per-cent=""' in english


def test_the_header_switches_language_back_to_this_page_marking_the_current_one(shop):
    """Back to the page's path with its search text (the header is asked with `q=kettle`)."""
    ko = _answer("header", "ko", HTTP_X_TESSERA_PATH="/search").content.decode()
    back = "next=%2Fsearch%3Fq%3Dkettle"
    assert f'<a href="/_locale/en?{back}" lang="en" hreflang="en" data-locale-switch>' in ko
    assert f'<a href="/_locale/ko?{back}" lang="ko" hreflang="ko" aria-current="true"' in ko
    assert '<nav class="site-header__languages" aria-label="언어">' in ko
    en = _answer("header", "en", HTTP_X_TESSERA_PATH="/search").content.decode()
    assert 'lang="en" hreflang="en" aria-current="true"' in en
    assert 'lang="ko" hreflang="ko" data-locale-switch' in en


def test_a_shop_in_one_language_has_no_switch(shop, monkeypatch):
    monkeypatch.setenv("TESSERA_LOCALES", "en")
    assert "_locale" not in _answer("header", "en").content.decode()


def test_money_is_shown_per_language_and_charged_in_euros():
    with translation.override("ko"):
        assert money(1260) == "₩18,900" and money(123456) == "₩1,851,840"
        assert money(1260, "USD") == "$12.60"  # only euros have a rate
        assert charged(1260) == "€12.60"
    with translation.override("en"):
        assert money(1260) == "€12.60" == charged(1260) and money(123456) == "€1,234.56"


# BFFs: the gateway names the page's language (x-tessera-locale); without it, the browser's.


def _bff(name: str):
    return TestAsyncClient(load(name).bff)


def test_a_bff_refuses_in_the_language_it_is_asked_in(shop):
    cart = _bff("cart")
    korean = asyncio.run(cart.get("/", headers={"x-tessera-locale": "ko"}))
    assert korean.status_code == 401 and "방문자 정보가 없습니다" in korean.json()["detail"]
    browser = asyncio.run(cart.get("/", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"}))
    assert "방문자 정보가 없습니다" in browser.json()["detail"]
    english = asyncio.run(cart.get("/", headers={"Accept-Language": "de, en;q=0.5"}))
    assert english.json()["detail"].startswith("no visitor")
    shop.down.add("cart")
    down = asyncio.run(cart.get("/", headers={**visitor_headers(), "x-tessera-locale": "ko"}))
    assert down.status_code == 502
    assert (
        down.json()["detail"] == "지금은 장바구니를 사용할 수 없습니다. 잠시 후 다시 시도해 주세요"
    )


def test_the_backends_refusals_come_in_the_bffs_own_korean_words(shop):
    refusal = "Only 3 left, and your cart has 3 of them already."
    shop.on("cart", "POST", f"/carts/{VISITOR}/items", {"detail": refusal}, 409)
    add = {"sku": SKU, "quantity": 1}
    ko = {**visitor_headers(), "x-tessera-locale": "ko"}
    answer = asyncio.run(_bff("cart").post("/items", json=add, headers=ko))
    assert answer.json()["detail"] == "재고가 3개뿐이며, 장바구니에 이미 3개가 담겨 있습니다."
    english = asyncio.run(_bff("cart").post("/items", json=add, headers=visitor_headers()))
    assert english.json()["detail"] == refusal  # the backend's own words
    shop.on("catalog", "GET", f"/products/{SKU}", KETTLE)
    path = f"/products/{SKU}/reviews"
    shop.on("reviews", "POST", path, {"detail": f"you have already reviewed {SKU}"}, 409)
    review = {"author": "Ada", "rating": 5, "title": "Good", "body": "Boils water fast."}
    again = asyncio.run(_bff("reviews").post(path, json=review, headers=ko))
    assert (again.status_code, again.json()["detail"]) == (409, "이미 이 상품의 리뷰를 쓰셨습니다.")


def test_a_refused_review_names_its_fields_in_korean(shop):
    ko = {**visitor_headers(), "x-tessera-locale": "ko"}
    review = {"author": " ", "rating": None, "title": "Good", "body": "short"}
    answer = asyncio.run(_bff("reviews").post(f"/products/{SKU}/reviews", json=review, headers=ko))
    said = {error["loc"][-1]: error["msg"] for error in answer.json()["detail"]}
    assert said == {
        "author": "이름을 입력해 주세요.",
        "rating": "별점을 1점에서 5점 사이로 선택해 주세요.",
        "body": "상품에 대해 10자 이상 써 주세요.",
    }


def test_a_bffs_html_and_prices_are_in_the_callers_language(shop):
    deals = asyncio.run(_bff("hero").get("/deals?page=1", headers={"x-tessera-locale": "ko"}))
    assert deals.json()["items"][0]["price"] == WON


# The catalogs: one per fragment (fragments/<name>/locale/ko), and the kit's.

CATALOGS = {
    path.parents[3].name: path
    for path in sorted((REPO_ROOT / "fragments").glob("*/locale/ko/LC_MESSAGES/django.po"))
}
_ENTRY = re.compile(r'^(msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$')
_PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%%")
_CALLS = {"_": 1, "gettext": 1, "gettext_lazy": 1, "ngettext": 2, "ngettext_lazy": 2}


def _unquote(text: str) -> str:
    return re.sub(r'\\(["\\n])', lambda m: "\n" if m[1] == "n" else m[1], text)


def read_po(path: Path) -> dict[str, list[str]]:
    """A .po file's entries: msgid -> its translations (one, or one per plural form)."""
    entries: dict[str, list[str]] = {}
    fields: dict[str, str] = {}
    key = ""

    def close() -> None:
        if fields.get("msgid"):
            entries[fields["msgid"]] = [v for k, v in fields.items() if k.startswith("msgstr")]

    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if line.startswith("msgid "):
            close()
            fields = {}
        found = _ENTRY.match(line)
        if found:
            key = found[1]
            fields[key] = _unquote(found[2])
        elif line.startswith('"') and key:
            fields[key] += _unquote(line[1:-1])
    close()
    return entries


def marked(name: str) -> set[str]:
    """The msgids `name`'s templates and Python code mark for translation."""
    folder = REPO_ROOT / "fragments" / name
    found: set[str] = set()
    for template in sorted((folder / "templates").glob("*.html")):
        with template.open("rb") as file:
            for *_, message, _comments in babel_extract(file, ("_", "ngettext"), [], {}):
                found.add(message if isinstance(message, str) else message[0])
    for module in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in _CALLS:
                first = node.args[0]
                assert isinstance(first, ast.Constant), f"{module}: mark literal text only"
                found.add(first.value)
    return found


def test_the_kit_and_every_translated_fragment_have_a_catalog():
    assert sorted(CATALOGS) == sorted(["kit", *TRANSLATED])


@pytest.mark.parametrize("name", sorted(CATALOGS))
def test_every_message_is_translated_with_its_placeholders(name):
    entries = read_po(CATALOGS[name])
    assert entries
    for msgid, translations in entries.items():
        assert translations and all(t.strip() for t in translations), f"untranslated: {msgid!r}"
        for text in translations:
            assert sorted(_PLACEHOLDER.findall(text)) == sorted(_PLACEHOLDER.findall(msgid)), msgid


@pytest.mark.parametrize("name", sorted(CATALOGS))
def test_the_catalog_holds_exactly_what_the_code_marks(name):
    """Nothing marked is left out (it would show in English), nothing stale is kept."""
    assert set(read_po(CATALOGS[name])) == marked(name)


@pytest.mark.parametrize("name", sorted(CATALOGS))
def test_the_compiled_catalog_is_the_current_one(name):
    """The `.mo` is committed: it must say what the `.po` says. After editing a `.po`:
    `msgfmt --check -o django.mo django.po` in its folder (GNU gettext)."""
    po = CATALOGS[name]
    with po.with_suffix(".mo").open("rb") as file:
        compiled = gettext.GNUTranslations(file)._catalog  # type: ignore[attr-defined]
    expected = read_po(po)
    got: dict[str, list[str]] = {}
    for key, text in compiled.items():
        msgid = key[0] if isinstance(key, tuple) else key
        if msgid:
            got.setdefault(msgid.split("\x00")[0], []).append(text)
    assert got == expected


def test_a_message_shared_by_fragments_says_the_same_everywhere():
    """One process serves them all in the tests (and shoppers read them side by side)."""
    said: dict[str, tuple[str, list[str]]] = {}
    for name, path in CATALOGS.items():
        for msgid, translations in read_po(path).items():
            first = said.setdefault(msgid, (name, translations))
            assert first[1] == translations, f"{msgid!r}: {first[0]} and {name} differ"
