"""The backend stubs' APIs, including bad input (a clear 422, nothing stored)."""

from datetime import timedelta

import pytest
from backends.cart.api import router as cart_router
from backends.cart.models import CartItem
from backends.catalog.catalog import demo_products
from backends.inventory.api import router as inventory_router
from backends.inventory.management.commands.seed import Command as SeedInventory
from backends.kit.demo import demo_skus
from backends.pricing.api import router as pricing_router
from backends.pricing.management.commands.seed import Command as SeedPricing
from backends.recommendations.api import router as recommendations_router
from backends.recommendations.management.commands.seed import Command as SeedRecommendations
from backends.reviews.api import router as reviews_router
from backends.reviews.management.commands.seed import Command as SeedReviews
from backends.reviews.models import Review
from django.core.management import call_command
from django.utils import timezone
from ninja.testing import TestClient

pytestmark = pytest.mark.django_db

VISITOR = "visitor-123456"


def test_every_stub_seeds_the_catalogs_products():
    assert [(p.sku, p.category) for p in demo_products()] == demo_skus()


def test_prices_deals_and_bulk_lookup():
    call_command(SeedPricing())
    client = TestClient(pricing_router)
    one = client.get("/prices/SKU-1001").json()
    assert one["price_cents"] <= one["list_price_cents"] and one["currency"] == "EUR"
    assert one["deal"] == (one["price_cents"] < one["list_price_cents"])
    deals = client.get("/deals?limit=5").json()
    assert deals and all(d["deal"] for d in deals)
    discounts = [d["price_cents"] / d["list_price_cents"] for d in deals]
    assert discounts == sorted(discounts)
    bulk = client.get("/prices?sku=SKU-1003&sku=SKU-1001&sku=SKU-9999").json()
    assert [p["sku"] for p in bulk] == ["SKU-1003", "SKU-1001"]
    assert client.get("/prices/SKU-9999").status_code == 404
    assert client.get("/prices/NOPE").status_code == 422
    assert client.get("/prices?sku=SKU-1001&sku=NOPE").status_code == 422


def test_stock_levels():
    call_command(SeedInventory())
    client = TestClient(inventory_router)
    levels = [client.get(f"/stock/{sku}").json() for sku, _ in demo_skus()]
    assert any(not s["in_stock"] for s in levels) and any(s["in_stock"] for s in levels)
    assert all(s["in_stock"] == (s["quantity"] > 0) for s in levels)


REVIEW = {
    "author": "Eve",
    "rating": 4,
    "title": "Nice",
    "body": "Works well in my kitchen.",
    "visitor": VISITOR,
}


def test_reviews_have_a_summary_and_new_ones_appear_first():
    call_command(SeedReviews())
    client = TestClient(reviews_router)
    created = client.post("/products/SKU-1001/reviews", json=REVIEW)
    assert created.status_code == 201
    assert "visitor" not in created.json()  # who wrote it is never shown
    page = client.get("/products/SKU-1001/reviews").json()
    assert page["items"][0]["author"] == "Eve"
    assert all("visitor" not in item for item in page["items"])
    summary = page["summary"]
    assert summary["count"] == sum(summary["histogram"].values()) >= 1
    assert 1 <= summary["average"] <= 5


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rating": 6}, "rating"),
        ({"rating": 0}, "rating"),
        ({"rating": True}, "rating"),
        ({"rating": "4"}, "rating"),
        ({"rating": 10**30}, "rating"),
        ({"author": ""}, "author"),
        ({"author": "   "}, "author"),
        ({"author": "Eve\x00"}, "author"),
        ({"title": "Nice\nand more"}, "title"),
        ({"author": "\u200b"}, "author"),  # nothing that shows
        ({"author": "Eve\u202e"}, "author"),  # a bidi override
        ({"title": "Nice\u2028and more"}, "title"),  # a line separator
        ({"body": "short"}, "body"),
        ({"body": "Works well.\x00\x1b[31m red"}, "body"),
        ({"body": "\u200b" * 12}, "body"),  # long enough, but nothing shows
        ({"body": "\u3164\u2800" * 6}, "body"),  # Hangul fillers, blank braille
        ({"body": "\u202egnihtemos sdaer yllaer"}, "body"),  # an unpaired bidi override
        ({"author": "\u3164\u034f"}, "author"),  # a filler and a joiner
        ({"title": "\ufe0f"}, "title"),  # a variation selector alone
        ({"title": "x" * 121}, "title"),
        ({"visitor": None}, "visitor"),
        ({"visitor": "../carts/x"}, "visitor"),
    ],
)
def test_invalid_reviews_are_refused_naming_the_field_and_nothing_is_stored(change, field):
    client = TestClient(reviews_router)
    response = client.post("/products/SKU-1001/reviews", json={**REVIEW, **change})
    assert response.status_code == 422
    assert field in str(response.json()["detail"])
    assert not Review.objects.exists()


def test_a_review_body_may_have_several_lines():
    client = TestClient(reviews_router)
    body = "Quiet.\r\n\r\n\tAnd quick."
    created = client.post("/products/SKU-1001/reviews", json={**REVIEW, "body": body})
    assert created.status_code == 201 and created.json()["body"] == body


@pytest.mark.parametrize("sku", ["SKU-\u0661", "SKU-1%0A", "..", "x" * 300])
def test_reviews_of_something_that_is_not_a_sku_are_refused(sku):
    client = TestClient(reviews_router)
    assert client.get(f"/products/{sku}/reviews").status_code == 422
    assert client.post(f"/products/{sku}/reviews", json=REVIEW).status_code == 422
    assert not Review.objects.exists()


def test_a_visitor_reviews_a_product_once():
    client = TestClient(reviews_router)
    assert client.post("/products/SKU-1001/reviews", json=REVIEW).status_code == 201
    again = client.post("/products/SKU-1001/reviews", json={**REVIEW, "title": "Still nice"})
    assert (again.status_code, again.json()) == (
        409,
        {"detail": "you have already reviewed SKU-1001"},
    )
    other = client.post("/products/SKU-1001/reviews", json={**REVIEW, "visitor": "visitor-other"})
    assert other.status_code == 201
    assert Review.objects.filter(sku="SKU-1001").count() == 2


def test_a_visitor_writes_at_most_three_reviews_in_ten_minutes():
    client = TestClient(reviews_router)
    for n in (1, 2, 3):
        assert client.post(f"/products/SKU-100{n}/reviews", json=REVIEW).status_code == 201
    refused = client.post("/products/SKU-1004/reviews", json=REVIEW)
    assert refused.status_code == 429
    assert refused.json()["detail"] == (
        "at most 3 reviews in 10 minutes: please try again in 10 minutes"
    )
    assert 590 <= int(refused["Retry-After"]) <= 600
    assert not Review.objects.filter(sku="SKU-1004").exists()
    other = client.post("/products/SKU-1004/reviews", json={**REVIEW, "visitor": "visitor-other"})
    assert other.status_code == 201  # the limit is per visitor
    # The oldest review leaves the window: one more may be written, and only one.
    oldest = Review.objects.filter(visitor=VISITOR).order_by("created_at").first()
    Review.objects.filter(pk=oldest.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    assert client.post("/products/SKU-1004/reviews", json=REVIEW).status_code == 201
    assert client.post("/products/SKU-1005/reviews", json=REVIEW).status_code == 429


def test_seeded_reviews_have_no_writer_and_count_for_nobody():
    call_command(SeedReviews())
    assert Review.objects.exists() and not Review.objects.exclude(visitor=None).exists()
    seeded = Review.objects.values_list("sku", flat=True).first()
    client = TestClient(reviews_router)
    assert client.post(f"/products/{seeded}/reviews", json=REVIEW).status_code == 201


def test_recommendations_are_other_products_mostly_from_the_same_category():
    call_command(SeedRecommendations())
    client = TestClient(recommendations_router)
    related = client.get("/products/SKU-1001/related?limit=6").json()["related"]
    categories = dict(demo_skus())
    assert len(related) == 6 and "SKU-1001" not in related
    assert all(categories[sku] == "kitchen" for sku in related)


def test_cart_add_change_remove_and_totals():
    client = TestClient(cart_router)
    assert client.get(f"/carts/{VISITOR}").json() == {"visitor": VISITOR, "items": [], "count": 0}
    client.post(f"/carts/{VISITOR}/items", json={"sku": "SKU-1001"})
    added = client.post(f"/carts/{VISITOR}/items", json={"sku": "SKU-1001", "quantity": 2}).json()
    assert added["items"] == [{"sku": "SKU-1001", "quantity": 3}] and added["count"] == 3
    changed = client.patch(f"/carts/{VISITOR}/items/SKU-1001", json={"quantity": 5}).json()
    assert changed["count"] == 5
    removed = client.delete(f"/carts/{VISITOR}/items/SKU-1001").json()
    assert removed["items"] == []
    assert client.delete(f"/carts/{VISITOR}/items/SKU-1001").status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("post", f"/carts/{VISITOR}/items", {"sku": "rm -rf"}, 422, "sku"),
        ("post", f"/carts/{VISITOR}/items", {"sku": "SKU-\u0661"}, 422, "sku"),
        ("post", f"/carts/{VISITOR}/items", {"sku": "SKU-1", "quantity": 0}, 422, "quantity"),
        ("post", f"/carts/{VISITOR}/items", {"sku": "SKU-1", "quantity": 100}, 422, "quantity"),
        ("post", f"/carts/{VISITOR}/items", {"sku": "SKU-1", "quantity": True}, 422, "quantity"),
        ("post", f"/carts/{VISITOR}/items", {"sku": "SKU-1", "quantity": 1.0}, 422, "quantity"),
        ("post", f"/carts/{VISITOR}/items", {"sku": "SKU-1", "quantity": "1"}, 422, "quantity"),
        ("post", f"/carts/{VISITOR}/items", [{"sku": "SKU-1"}], 422, "sku"),
        ("post", "/carts/x/items", {"sku": "SKU-1"}, 422, "visitor"),
        ("post", "/carts/visitor-%0A123456/items", {"sku": "SKU-1"}, 422, "visitor"),
        ("patch", f"/carts/{VISITOR}/items/SKU-9", {"quantity": 2}, 404, "not in this cart"),
        ("patch", f"/carts/{VISITOR}/items/SKU-%D9%A1", {"quantity": 2}, 422, "sku"),
        ("patch", f"/carts/{VISITOR}/items/SKU-1", {"quantity": True}, 422, "quantity"),
        ("delete", f"/carts/{VISITOR}/items/..", None, 422, "sku"),
    ],
)
def test_bad_cart_requests_get_clear_errors_and_change_nothing(method, path, body, status, message):
    client = TestClient(cart_router)
    response = getattr(client, method)(path, json=body)
    assert response.status_code == status
    assert message in str(response.json()["detail"])
    assert not CartItem.objects.exists()


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe"])
def test_a_body_that_is_not_json_is_a_400_and_changes_nothing(body):
    client = TestClient(cart_router)
    response = client.post(f"/carts/{VISITOR}/items", data=body, content_type="application/json")
    assert response.status_code == 400 and response.json()["detail"]
    assert not CartItem.objects.exists()


def test_a_cart_holds_at_most_fifty_different_products():
    client = TestClient(cart_router)
    for n in range(50):
        assert client.post(f"/carts/{VISITOR}/items", json={"sku": f"SKU-{n}"}).status_code == 200
    refused = client.post(f"/carts/{VISITOR}/items", json={"sku": "SKU-50"})
    assert refused.status_code == 422
    assert refused.json()["detail"] == "at most 50 different products per cart"
    assert CartItem.objects.count() == 50
    assert client.post(f"/carts/{VISITOR}/items", json={"sku": "SKU-1"}).status_code == 200


def test_a_cart_never_holds_more_than_99_of_one_product():
    client = TestClient(cart_router)
    client.post(f"/carts/{VISITOR}/items", json={"sku": "SKU-1001", "quantity": 60})
    response = client.post(f"/carts/{VISITOR}/items", json={"sku": "SKU-1001", "quantity": 60})
    assert response.status_code == 422
    assert CartItem.objects.get().quantity == 60
