"""The reviews fragment: its BFF lets a known visitor review a known product, and relays
the backend's limits; it checks a review before the backend stores it."""

import asyncio

import httpx
import pytest
from ninja.testing import TestAsyncClient

from fragments.kit.fragment import NotFound
from fragments.reviews.fragment import bff, render
from tests.fragments.conftest import VISITOR, fragment_request, visitor_headers

PATH = "/products/SKU-1001/reviews"
GOOD = {"author": "Ada", "rating": 4, "title": "Quiet", "body": "Boils a litre in two minutes."}
KETTLE = {"sku": "SKU-1001", "name": "Urban Kettle"}


@pytest.fixture
def client() -> TestAsyncClient:
    return TestAsyncClient(bff)


@pytest.fixture
def shop(fake_backends):
    fake_backends.on("catalog", "GET", "/products/SKU-1001", KETTLE)
    return fake_backends


def _write(client, path=PATH, review=GOOD, headers=None):
    headers = visitor_headers() if headers is None else headers
    return asyncio.run(client.post(path, json=review, headers=headers))


def test_a_good_review_is_stored_for_the_visitor_and_returned(client, shop):
    stored = {**GOOD, "id": 7, "created_at": "2026-11-25T10:00:00+00:00"}
    shop.on("reviews", "POST", PATH, stored, 201)
    response = _write(client)
    # No summary to read back (the fake has none): the review is published all the same.
    assert response.status_code == 201 and response.json() == {**stored, "summary_html": None}
    assert shop.calls[:2] == [
        ("catalog", "GET", "/products/SKU-1001", None),
        ("reviews", "POST", PATH, {**GOOD, "visitor": VISITOR}),
    ]


def test_without_a_visitor_token_no_review_is_written(client, shop):
    forged = {"X-Tessera-Visitor": visitor_headers()["X-Tessera-Visitor"][:-2] + "xx"}
    for headers in ({}, forged):
        response = _write(client, headers=headers)
        assert response.status_code == 401
        assert "no visitor" in response.json()["detail"]
    assert shop.calls == []


def test_a_product_the_catalog_does_not_know_cannot_be_reviewed(client, shop):
    response = _write(client, path="/products/SKU-99999/reviews")
    assert (response.status_code, response.json()) == (
        404,
        {"detail": "there is no product SKU-99999 in the catalog"},
    )
    assert [call[0] for call in shop.calls] == ["catalog"]  # nothing reached the reviews


@pytest.mark.parametrize("sku", ["..", "SKU-%D9%A1", "SKU-1%0A", "x" * 300])
def test_a_path_that_is_not_a_sku_is_a_422_and_reaches_no_backend(client, shop, sku):
    response = _write(client, path=f"/products/{sku}/reviews")
    assert response.status_code == 422 and "sku" in str(response.json()["detail"])
    assert shop.calls == []


def test_the_backends_limits_reach_the_browser_with_their_message(client, shop):
    shop.on("reviews", "POST", PATH, {"detail": "you have already reviewed SKU-1001"}, 409)
    again = _write(client)  # in the BFF's words: the shopper knows the product, not its SKU
    assert (again.status_code, again.json()["detail"]) == (
        409,
        "You have already reviewed this product.",
    )
    assert not again.has_header("Retry-After")
    tired = "at most 3 reviews in 10 minutes: please try again in 7 minutes"
    shop.on("reviews", "POST", PATH, lambda request: httpx.Response(
        429, json={"detail": tired}, headers={"Retry-After": "401"}
    ))  # fmt: skip
    many = _write(client)
    assert (many.status_code, many.json()["detail"], many["Retry-After"]) == (429, tired, "401")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rating": 6}, "rating"),
        ({"rating": True}, "rating"),
        ({"rating": 4.0}, "rating"),
        ({"body": "short"}, "body"),
        ({"author": "   "}, "author"),
        ({"author": "Ada\x00"}, "author"),
        ({"title": "Quiet\r\nSet-Cookie: x=1"}, "title"),
        ({"body": "Boils a litre\x1b[2J in two minutes."}, "body"),
    ],
)
def test_a_bad_review_is_a_422_naming_the_field_and_nothing_is_stored(client, shop, change, field):
    response = _write(client, review={**GOOD, **change})
    assert response.status_code == 422
    assert field in str(response.json()["detail"])
    assert shop.calls == []


def test_a_backend_outage_is_a_502_with_a_message(client, shop):
    shop.down.add("reviews")
    response = _write(client)
    assert response.status_code == 502 and "cannot be written" in response.json()["detail"]
    shop.down = {"catalog"}
    response = _write(client)
    assert response.status_code == 502 and "cannot be written" in response.json()["detail"]


def test_the_fragment_shows_the_summary_and_latest_reviews(fake_backends):
    fake_backends.on("reviews", "GET", PATH, {
        "sku": "SKU-1001",
        "summary": {"count": 2, "average": 3.5,
                    "histogram": {"1": 0, "2": 0, "3": 1, "4": 1, "5": 0}},
        "items": [{**GOOD, "id": 1, "created_at": "2026-11-20T10:00:00+00:00"}],
    })  # fmt: skip
    html = asyncio.run(render(fragment_request(), sku="SKU-1001"))
    assert "<strong>3.5</strong> out of 5" in html and "Boils a litre" in html
    assert 'aria-label="4 out of 5 stars"' in html and 'style="width: 50%"' in html
    fake_backends.down.add("reviews")
    html = asyncio.run(render(fragment_request(), sku="SKU-1001"))
    assert "Reviews cannot be shown right now." in html and "Write a review" in html


def test_the_fragment_of_something_that_is_not_a_sku_is_not_found(fake_backends):
    with pytest.raises(NotFound):
        asyncio.run(render(fragment_request(), sku="../../carts/visitor-0123456789"))
    assert fake_backends.calls == []
