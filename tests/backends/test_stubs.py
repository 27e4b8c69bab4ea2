"""The backend stubs' APIs, including bad input (a clear 422, nothing stored)."""

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
    bulk = client.get("/prices?sku=SKU-1003&sku=SKU-1001&sku=NOPE").json()
    assert [p["sku"] for p in bulk] == ["SKU-1003", "SKU-1001"]
    assert client.get("/prices/NOPE").status_code == 404


def test_stock_levels():
    call_command(SeedInventory())
    client = TestClient(inventory_router)
    levels = [client.get(f"/stock/{sku}").json() for sku, _ in demo_skus()]
    assert any(not s["in_stock"] for s in levels) and any(s["in_stock"] for s in levels)
    assert all(s["in_stock"] == (s["quantity"] > 0) for s in levels)


def test_reviews_have_a_summary_and_new_ones_appear_first():
    call_command(SeedReviews())
    client = TestClient(reviews_router)
    body = {"author": "Eve", "rating": 4, "title": "Nice", "body": "Works well in my kitchen."}
    created = client.post("/products/SKU-1001/reviews", json=body)
    assert created.status_code == 201
    page = client.get("/products/SKU-1001/reviews").json()
    assert page["items"][0]["author"] == "Eve"
    summary = page["summary"]
    assert summary["count"] == sum(summary["histogram"].values()) >= 1
    assert 1 <= summary["average"] <= 5


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rating": 6}, "rating"),
        ({"rating": 0}, "rating"),
        ({"author": ""}, "author"),
        ({"author": "   "}, "author"),
        ({"body": "short"}, "body"),
        ({"title": "x" * 121}, "title"),
    ],
)
def test_invalid_reviews_are_refused_naming_the_field_and_nothing_is_stored(change, field):
    client = TestClient(reviews_router)
    body = {"author": "Eve", "rating": 4, "title": "Nice", "body": "Works well in my kitchen."}
    response = client.post("/products/SKU-1001/reviews", json={**body, **change})
    assert response.status_code == 422
    assert field in str(response.json()["detail"])
    assert not Review.objects.exists()


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
        ("post", f"/carts/{VISITOR}/items", {"sku": "SKU-1", "quantity": 0}, 422, "quantity"),
        ("post", f"/carts/{VISITOR}/items", {"sku": "SKU-1", "quantity": 100}, 422, "quantity"),
        ("post", "/carts/x/items", {"sku": "SKU-1"}, 422, "visitor id"),
        ("patch", f"/carts/{VISITOR}/items/SKU-9", {"quantity": 2}, 404, "not in this cart"),
    ],
)
def test_bad_cart_requests_get_clear_errors_and_change_nothing(method, path, body, status, message):
    client = TestClient(cart_router)
    response = getattr(client, method)(path, json=body)
    assert response.status_code == status
    assert message in str(response.json()["detail"])
    assert not CartItem.objects.exists()


def test_a_cart_never_holds_more_than_99_of_one_product():
    client = TestClient(cart_router)
    client.post(f"/carts/{VISITOR}/items", json={"sku": "SKU-1001", "quantity": 60})
    response = client.post(f"/carts/{VISITOR}/items", json={"sku": "SKU-1001", "quantity": 60})
    assert response.status_code == 422
    assert CartItem.objects.get().quantity == 60
