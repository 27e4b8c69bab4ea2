# Specifications are typeset with multiplication signs and en dashes, as kinds.py's.
# ruff: noqa: RUF001
"""The catalog in Korean: every product and category is said in Korean as well as in English,
and the API answers in the language the caller asks for (`Accept-Language`), English when it
asks for none the catalog has; SKUs, slugs and the English catalog stay as they are."""

from __future__ import annotations

import re

import pytest
from backends.catalog import korean
from backends.catalog.catalog import CATEGORIES, demo_products
from backends.catalog.kinds import KINDS
from backends.catalog.management.commands.seed import Command as Seed
from backends.catalog.models import Category, Product
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.urls("backends.kit.urls")
PRODUCTS = list(demo_products())
HANGUL = re.compile("[\uac00-\ud7a3]")
KO = {"HTTP_ACCEPT_LANGUAGE": "ko"}


# -- the demo catalog's Korean ----------------------------------------------------------------


def test_every_product_has_a_korean_name_description_and_specifications():
    for product in PRODUCTS:
        said = product.translations["ko"]
        assert set(said) == {"name", "description", "attributes"}, product.sku
        assert HANGUL.search(said["name"]) and HANGUL.search(said["description"]), product.sku
        assert said["name"] != product.name and said["description"] != product.description
        # The same specifications, one for one, under Korean names.
        assert len(said["attributes"]) == len(product.attributes), product.sku
        assert all(HANGUL.search(label) for label in said["attributes"]), product.sku
        # Every sentence of it ends as a sentence (the product page's summary is the first).
        assert said["description"].count(". ") >= 2, said["description"]


def test_a_korean_name_is_the_english_ones_words_in_korean():
    names = {p.sku: p.translations["ko"]["name"] for p in PRODUCTS}
    assert names["SKU-1041"] == "노르딕 램프"  # the Nordic Lamp
    assert names["SKU-1001"] == "어반 전기포트"  # the Urban Kettle
    # As many Korean names as English ones: no two products' names fall together.
    pairs = {(p.name, p.translations["ko"]["name"]) for p in PRODUCTS}
    assert len({e for e, _ in pairs}) == len({k for _, k in pairs}) == len(pairs)


def test_a_korean_description_names_the_material_and_colour_in_korean():
    for product in PRODUCTS:
        spec = KINDS[product.kind]
        said = product.translations["ko"]
        shown = product.attributes[spec.material_label]  # capitalised, as a value on its own
        material = next(
            korean.MATERIALS[m] for m in spec.materials if m[0].upper() + m[1:] == shown
        )
        colour = korean.COLOURS[product.colour]
        assert material in said["description"] and colour in said["description"], product.sku
        assert said["attributes"][korean.SPEC_LABELS[spec.material_label]] == material
        assert said["attributes"]["색상"] == colour
        assert said["description"].startswith(korean.KINDS[product.kind][1])


def test_every_word_the_english_catalog_uses_has_its_korean():
    for name, kind in KINDS.items():
        assert name in korean.KINDS
        assert len(set(korean.KINDS[name][1])) == 2  # two descriptions, as in English
        assert all(material in korean.MATERIALS for material in kind.materials)
        assert all(colour in korean.COLOURS for colour in kind.colours)
        assert kind.material_label in korean.SPEC_LABELS
        for label, values in kind.specs.items():
            assert label in korean.SPEC_LABELS
            for value in values:
                assert korean.spec_value(value) != value, value
    assert set(korean.CATEGORY_NAMES) == set(CATEGORIES)
    labels = list(korean.SPEC_LABELS.values())
    assert len(set(labels)) == len(labels)  # two specifications never share a Korean name


@pytest.mark.parametrize(
    ("english", "korean_value"),
    [
        ("1.5 litres", "1.5L"),
        ("1 litre", "1L"),
        ("2,200 W", "2,200W"),
        ("34 × 26 cm", "34 × 26cm"),
        ("320 pages", "320쪽"),
        ("up to 150 kg", "최대 150kg"),
        ("up to 20 hours", "최대 20시간"),
        ("1,000 pieces", "1,000피스"),
        ("8 years and up", "8세 이상"),
        ("2–4 players", "2~4인"),
        ("English", "영어"),
    ],
)
def test_specification_values_are_written_the_korean_way(english, korean_value):
    assert korean.spec_value(english) == korean_value


def test_a_value_korean_cannot_say_fails_loudly_rather_than_staying_english():
    with pytest.raises(KeyError):
        korean.spec_value("12 furlongs")


# -- the API --------------------------------------------------------------------------------


@pytest.fixture
def client(db) -> Client:
    call_command(Seed())
    return Client()


def test_seeding_stores_the_translations_with_the_english(client):
    lamp = Product.objects.get(sku="SKU-1041")
    assert lamp.name == "Nordic Lamp" and lamp.translations["ko"]["name"] == "노르딕 램프"
    kitchen = Category.objects.get(slug="kitchen")
    assert kitchen.name == "Kitchen" and kitchen.translations == {"ko": {"name": "주방"}}


@pytest.mark.parametrize(
    "accept",
    # A long header is read to its last whole entry, never cut in the middle of one.
    ["ko", "ko-KR,ko;q=0.9,en;q=0.8", "de, ko;q=0.5", "KO-kr", "ko;q=0.9, " + "de;q=0.75, " * 60],
)
def test_a_product_comes_in_korean_to_a_caller_asking_for_korean(client, accept):
    answer = client.get("/products/SKU-1041", HTTP_ACCEPT_LANGUAGE=accept)
    product = answer.json()
    assert answer["Content-Language"] == "ko" and "Accept-Language" in answer["Vary"]
    assert product["name"] == "노르딕 램프"
    assert product["description"].startswith("갓이 따뜻하고 고른 빛을")
    assert product["attributes"]["색상"] == "세이지 그린"
    # What links and carts know it by is the same in every language.
    assert (product["sku"], product["category"]) == ("SKU-1041", "home")
    assert product["image_url"] == "/products/SKU-1041/image.svg"


@pytest.mark.parametrize(
    "accept",
    [
        *(None, "", "en", "de, fr;q=0.5", "en-GB, ko;q=0.5", "*", "x" * 600),
        *("ko;q=0", "ko-KR;q=0", "ko;q=0, *", "ko;q=0,en;q=0"),  # q=0: "not Korean"
        "de;q=0.9, " * 55 + "ko;q=0.8",  # Korean past the part read
    ],
)
def test_a_product_comes_in_english_otherwise(client, accept):
    headers = {} if accept is None else {"HTTP_ACCEPT_LANGUAGE": accept}
    answer = client.get("/products/SKU-1041", **headers)
    product = answer.json()
    assert answer.status_code == 200 and answer["Content-Language"] == "en"
    assert product["name"] == "Nordic Lamp"
    assert product["attributes"]["colour"] == "Sage green"
    assert not HANGUL.search(str(product))


def test_lists_and_categories_come_in_the_callers_language(client):
    korean_page = client.get("/products", {"category": "home", "limit": 100}, **KO).json()
    english_page = client.get("/products", {"category": "home", "limit": 100}).json()
    assert [p["sku"] for p in korean_page["items"]] == [p["sku"] for p in english_page["items"]]
    assert all(HANGUL.search(p["name"]) for p in korean_page["items"])
    assert not any(HANGUL.search(p["name"]) for p in english_page["items"])
    korean_names = {c["slug"]: c["name"] for c in client.get("/categories", **KO).json()}
    assert korean_names == korean.CATEGORY_NAMES
    english = {c["slug"]: c["name"] for c in client.get("/categories").json()}
    assert english == {slug: category.name for slug, category in CATEGORIES.items()}
    # Cart lines and recommendations ask by SKU: the same, in Korean.
    by_sku = client.get("/products", {"sku": ["SKU-1041", "SKU-1001"]}, **KO).json()["items"]
    assert {p["sku"]: p["name"] for p in by_sku} == {
        "SKU-1001": "어반 전기포트",
        "SKU-1041": "노르딕 램프",
    }


def test_categories_are_in_the_order_of_the_names_shown(client):
    korean_names = [c["name"] for c in client.get("/categories", **KO).json()]
    assert korean_names == sorted(korean_names) and korean_names[0] == "도서"
    english = [c["name"] for c in client.get("/categories").json()]
    assert english == sorted(english) and english[0] == "Books"


def test_a_korean_word_finds_products_for_a_korean_caller(client):
    found = client.get("/products", {"q": "램프", "limit": 100}, **KO).json()
    lamps = {p.sku for p in PRODUCTS if p.kind == "Lamp"}
    assert found["total"] == len(lamps) > 0
    assert {p["sku"] for p in found["items"]} == lamps
    assert all("램프" in p["name"] for p in found["items"])
    # The English words still find them on the Korean store, answered in Korean.
    english_word = client.get("/products", {"q": "lamp", "limit": 100}, **KO).json()
    assert {p["sku"] for p in english_word["items"]} >= lamps
    assert all(HANGUL.search(p["name"]) for p in english_word["items"])
    # A word in a description is found too.
    pages = client.get("/products", {"q": "스칸디나비아풍", "limit": 100}, **KO).json()
    nordic = {p.sku for p in PRODUCTS if p.name.startswith("Nordic ")}
    assert {p["sku"] for p in pages["items"]} == nordic


def test_an_english_caller_searches_the_english_catalog(client):
    assert client.get("/products", {"q": "램프"}).json()["total"] == 0
    assert client.get("/products", {"q": "lamp"}).json()["total"] > 0


def test_sorting_by_name_sorts_by_the_names_the_caller_reads(client):
    query = {"category": "kitchen", "sort": "name", "limit": 100}
    korean_items = client.get("/products", query, **KO).json()["items"]
    english_items = client.get("/products", query).json()["items"]
    korean_names = [p["name"] for p in korean_items]
    english = [p["name"] for p in english_items]
    assert korean_names == sorted(korean_names) and english == sorted(english)
    # Not the English order said in Korean: the two orders differ for this category.
    assert [p["sku"] for p in korean_items] != [p["sku"] for p in english_items]
    # Paged by the Korean order too.
    first = client.get("/products", {**query, "limit": 4}, **KO).json()["items"]
    rest = client.get("/products", {**query, "limit": 100, "offset": 4}, **KO).json()["items"]
    assert [p["name"] for p in first + rest] == korean_names


def test_a_product_missing_its_translation_falls_back_to_english(client):
    Product.objects.filter(sku="SKU-1041").update(translations={})
    product = client.get("/products/SKU-1041", **KO).json()
    assert product["name"] == "Nordic Lamp" and product["attributes"]["colour"] == "Sage green"
    listed = client.get("/products", {"sku": ["SKU-1041"], "sort": "name"}, **KO).json()
    assert [p["name"] for p in listed["items"]] == ["Nordic Lamp"]
