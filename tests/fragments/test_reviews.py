"""The reviews fragment: its BFF checks a review before the backend stores it."""

import asyncio

import pytest
from ninja.testing import TestAsyncClient

from fragments.reviews.fragment import bff, render
from tests.fragments.conftest import fragment_request

PATH = "/products/SKU-1001/reviews"
GOOD = {"author": "Ada", "rating": 4, "title": "Quiet", "body": "Boils a litre in two minutes."}


@pytest.fixture
def client() -> TestAsyncClient:
    return TestAsyncClient(bff)


def test_a_good_review_is_stored_by_the_backend_and_returned(client, fake_backends):
    stored = {**GOOD, "id": 7, "created_at": "2026-11-25T10:00:00+00:00"}
    fake_backends.on("reviews", "POST", PATH, stored, 201)
    response = asyncio.run(client.post(PATH, json=GOOD))
    assert response.status_code == 201 and response.json() == stored
    assert fake_backends.calls == [("reviews", "POST", PATH, GOOD)]


@pytest.mark.parametrize(
    ("change", "field"),
    [({"rating": 6}, "rating"), ({"body": "short"}, "body"), ({"author": "   "}, "author")],
)
def test_a_bad_review_is_a_422_naming_the_field_and_nothing_is_stored(
    client, fake_backends, change, field
):
    response = asyncio.run(client.post(PATH, json={**GOOD, **change}))
    assert response.status_code == 422
    assert field in str(response.json()["detail"])
    assert fake_backends.calls == []


def test_a_backend_outage_is_a_502_with_a_message(client, fake_backends):
    fake_backends.down.add("reviews")
    response = asyncio.run(client.post(PATH, json=GOOD))
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
