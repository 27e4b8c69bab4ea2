"""The demo shop reads like a shop: products described for their kind in named colours,
pictured with their kind's icon in their colour, and reviewed in varied words over months."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from backends.catalog.catalog import ADJECTIVES, CATEGORIES, demo_products
from backends.catalog.kinds import ADJECTIVE_LINES, COLOURS, KINDS
from backends.catalog.management.commands.seed import Command as SeedCatalog
from backends.catalog.picture import icon_body, ink, luminance, product_svg
from backends.reviews.demo import GRIPES, PRAISE, SPAN, demo_reviews
from backends.reviews.management.commands.seed import Command as SeedReviews
from backends.reviews.models import Review
from django.core.management import call_command
from django.test import Client

PRODUCTS = list(demo_products())
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
HEX = re.compile(r"#[0-9a-fA-F]{6}")
REVIEWS = list(demo_reviews(NOW))


def test_every_kind_has_its_own_descriptions_and_every_product_a_few_sentences():
    pitches = [pitch for kind in KINDS.values() for pitch in kind.pitches]
    assert len(set(pitches)) == len(pitches) == 2 * len(KINDS)
    for product in PRODUCTS:
        assert product.description.startswith(KINDS[product.kind].pitches)
        assert product.description.count(". ") >= 2, product.description
    # The two products of a kind in a category read differently from start to end.
    by_kind: dict[str, list[str]] = {}
    for product in PRODUCTS:
        by_kind.setdefault(product.kind, []).append(product.description)
    for kind, descriptions in by_kind.items():
        assert len(set(descriptions)) == len(descriptions) == 2, kind
        first, second = (d.split(". ")[0] for d in descriptions)
        assert first != second, kind
    assert len({p.description for p in PRODUCTS}) == len(PRODUCTS)


def test_a_description_names_the_products_material_and_colour():
    for product in PRODUCTS:
        spec = KINDS[product.kind]
        material = product.attributes[spec.material_label]
        assert material.lower() in product.description.lower(), product.sku
        assert product.colour.lower() in product.description, product.sku


def test_colours_are_names_in_the_specifications_and_hexes_only_for_drawing():
    assert all(HEX.fullmatch(hex_) for hex_ in COLOURS.values())
    for product in PRODUCTS:
        assert product.attributes["colour"] == product.colour
        assert product.colour in COLOURS and product.colour in KINDS[product.kind].colours
        assert re.fullmatch(r"[A-Z][a-z]+( [a-z]+)?", product.colour), product.colour
        for value in product.attributes.values():
            assert not HEX.search(value), (product.sku, value)
    assert len({p.colour for p in PRODUCTS}) >= 15  # not one colour per category


def test_specifications_fit_the_kind():
    for product in PRODUCTS:
        spec = KINDS[product.kind]
        assert list(product.attributes) == [spec.material_label, "colour", *spec.specs]
        for name, values in spec.specs.items():
            assert product.attributes[name] in values
    kettle = next(p for p in PRODUCTS if p.kind == "Kettle")
    novel = next(p for p in PRODUCTS if p.kind == "Novel")
    assert "capacity" in kettle.attributes and "pages" in novel.attributes
    assert "format" in novel.attributes and "material" not in novel.attributes


def test_names_stay_what_other_tests_and_links_know_them_by():
    names = {p.sku: p.name for p in PRODUCTS}
    assert names["SKU-1001"] == "Urban Kettle"
    assert names["SKU-1041"] == "Nordic Lamp"
    assert names["SKU-1042"] == "Urban Throw Blanket"
    assert set(ADJECTIVE_LINES) == set(ADJECTIVES)


def test_a_picture_is_its_kinds_icon_in_its_colour_without_initials():
    for product in PRODUCTS:
        svg = product.image_svg
        body = icon_body(KINDS[product.kind].icon)
        assert body and body in svg, product.sku
        assert f'fill="{COLOURS[product.colour]}"' in svg  # the colour's swatch
        assert f'stroke="{ink(COLOURS[product.colour])}"' in svg  # the icon, in the colour
        assert "<text" not in svg
        assert svg.startswith("<svg") and 'viewBox="0 0 240 200"' in svg
    kinds_drawn = {KINDS[p.kind].icon for p in PRODUCTS}
    assert len(kinds_drawn) == len(KINDS)  # one icon per kind, no two kinds alike


def test_the_icon_is_drawn_dark_enough_to_see_on_a_pale_colour():
    assert ink("#1f3a5f") == "#1f3a5f"  # a dark colour is drawn as it is
    assert luminance(ink(COLOURS["Snow white"])) <= 0.3 < luminance(COLOURS["Snow white"])
    svg = product_svg("Snow Kettle", "cooking-pot", COLOURS["Snow white"])
    assert f'stroke="{COLOURS["Snow white"]}"' not in svg


def test_every_kind_and_category_icon_is_in_the_icon_set():
    for name in [k.icon for k in KINDS.values()] + [c.icon for c in CATEGORIES.values()]:
        assert icon_body(name).startswith("<"), name


def test_reviews_vary_in_text_author_rating_and_date():
    assert len(REVIEWS) > 100
    bodies = Counter(r.body for r in REVIEWS)
    assert len(bodies) > 0.9 * len(REVIEWS), bodies.most_common(3)
    assert len({r.title for r in REVIEWS}) >= 15
    assert len({r.author for r in REVIEWS}) >= 20
    assert {r.rating for r in REVIEWS} == {1, 2, 3, 4, 5}
    days = {(NOW - r.created_at).days for r in REVIEWS}
    assert len(days) > 60 and max(days) > 120
    assert all(NOW - SPAN <= r.created_at < NOW for r in REVIEWS)


def test_a_review_talks_about_the_products_kind():
    kinds = {p.sku: p.kind for p in PRODUCTS}
    for review in REVIEWS:
        said = PRAISE[kinds[review.sku]] + GRIPES[kinds[review.sku]]
        assert any(phrase.lower() in review.body.lower() for phrase in said), review
    tents = {r.body for r in REVIEWS if kinds[r.sku] == "Tent"}
    kettles = {r.body for r in REVIEWS if kinds[r.sku] == "Kettle"}
    assert tents and kettles and not tents & kettles


def test_critical_reviews_say_what_was_wrong():
    low = [r for r in REVIEWS if r.rating <= 2]
    high = [r for r in REVIEWS if r.rating == 5]
    assert low and high
    assert not {r.title for r in low} & {r.title for r in high}
    assert not {r.body for r in low} & {r.body for r in high}


def test_reviews_are_the_same_for_the_same_reference_time():
    again = list(demo_reviews(NOW))
    assert again == REVIEWS
    later = list(demo_reviews(NOW + timedelta(days=1)))
    assert [r.body for r in later] == [r.body for r in REVIEWS]
    assert later[0].created_at - REVIEWS[0].created_at == timedelta(days=1)


@pytest.mark.django_db
def test_seeding_reviews_dates_them_and_replaces_only_the_demo_ones():
    call_command(SeedReviews())
    mine = Review.objects.create(
        sku="SKU-1001", author="Me", rating=5, title="Mine", body="Written by a visitor.",
        visitor="visitor-0123456789",
    )  # fmt: skip
    call_command(SeedReviews())
    demo = Review.objects.filter(visitor__isnull=True)
    assert demo.count() == len(REVIEWS)
    assert Review.objects.filter(pk=mine.pk).exists()
    dates = sorted(demo.values_list("created_at", flat=True))
    assert dates[-1] - dates[0] > timedelta(days=120)  # not all of today
    assert len({d.date() for d in dates}) > 60


@pytest.mark.django_db
@pytest.mark.urls("backends.kit.urls")
def test_categories_say_their_icon_and_how_many_products_they_have():
    call_command(SeedCatalog())
    categories = Client().get("/categories").json()
    assert {c["slug"]: (c["icon"], c["product_count"]) for c in categories} == {
        slug: (category.icon, 10) for slug, category in CATEGORIES.items()
    }


@pytest.mark.django_db
@pytest.mark.urls("backends.kit.urls")
def test_the_product_page_data_shows_no_hex_colour():
    call_command(SeedCatalog())
    product = Client().get("/products/SKU-1031").json()
    assert not HEX.search(str(product["attributes"]))
    assert product["attributes"]["colour"] in COLOURS
