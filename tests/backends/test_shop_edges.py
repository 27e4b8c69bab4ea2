"""What the backends do for the shopper's rough edges (issue 17): the cart holds a line to
the stock its caller checked, the catalog lists by name, the inventory answers for a list."""

import pytest
from backends.cart.api import router as cart_router
from backends.cart.models import CartItem
from backends.catalog.management.commands.seed import Command as SeedCatalog
from backends.inventory.api import router as inventory_router
from backends.inventory.models import Stock
from django.core.management import call_command
from django.test import Client
from ninja.testing import TestClient

pytestmark = pytest.mark.django_db

VISITOR = "visitor-123456"
ITEMS = f"/carts/{VISITOR}/items"


def test_adding_more_than_is_in_stock_is_refused_in_words_counting_the_cart():
    client = TestClient(cart_router)
    added = client.post(ITEMS, json={"sku": "SKU-1001", "quantity": 3, "available": 3})
    assert added.status_code == 200 and added.json()["count"] == 3
    again = client.post(ITEMS, json={"sku": "SKU-1001", "quantity": 1, "available": 3})
    assert (again.status_code, again.json()["detail"]) == (
        409,
        "Only 3 left, and your cart has 3 of them already.",
    )
    first = client.post(ITEMS, json={"sku": "SKU-1002", "quantity": 4, "available": 3})
    assert (first.status_code, first.json()["detail"]) == (409, "Only 3 left.")
    none = client.post(ITEMS, json={"sku": "SKU-1003", "available": 0})
    assert (none.status_code, none.json()["detail"]) == (
        409,
        "Sorry, this product is out of stock.",
    )
    # Nothing refused was stored: no line for the refused products, the first one unchanged.
    assert list(CartItem.objects.values_list("sku", "quantity")) == [("SKU-1001", 3)]


def test_a_line_is_changed_to_at_most_what_is_in_stock_and_lowered_always():
    client = TestClient(cart_router)
    client.post(ITEMS, json={"sku": "SKU-1001", "quantity": 5})  # unchecked: only 99 holds
    over = client.patch(f"{ITEMS}/SKU-1001", json={"quantity": 4, "available": 2})
    assert (over.status_code, over.json()["detail"]) == (409, "Only 2 left.")
    assert CartItem.objects.get().quantity == 5
    lowered = client.patch(f"{ITEMS}/SKU-1001", json={"quantity": 2, "available": 2})
    assert lowered.status_code == 200 and lowered.json()["count"] == 2
    missing = client.patch(f"{ITEMS}/SKU-9", json={"quantity": 4, "available": 2})
    assert missing.status_code == 404  # not in the cart says so, whatever the stock


def test_available_is_a_count_of_units():
    client = TestClient(cart_router)
    for available in (-1, True, "3", 2.0):
        response = client.post(ITEMS, json={"sku": "SKU-1001", "available": available})
        assert response.status_code == 422 and "available" in str(response.json()["detail"])
    assert not CartItem.objects.exists()


@pytest.mark.urls("backends.kit.urls")
def test_the_catalog_lists_by_name_when_asked():
    call_command(SeedCatalog())
    client = Client()
    by_name = client.get("/products", {"category": "kitchen", "sort": "name", "limit": 100})
    names = [p["name"] for p in by_name.json()["items"]]
    assert names == sorted(names) and len(names) == 10
    by_sku = client.get("/products", {"category": "kitchen", "limit": 100}).json()["items"]
    assert [p["sku"] for p in by_sku] == sorted(p["sku"] for p in by_sku)
    assert names != [p["name"] for p in by_sku]
    assert client.get("/products", {"sort": "price"}).status_code == 422


def test_the_inventory_answers_for_a_list_of_products_in_the_order_asked():
    Stock.objects.create(sku="SKU-1001", quantity=3)
    Stock.objects.create(sku="SKU-1002", quantity=0)
    client = TestClient(inventory_router)
    levels = client.get("/stock?sku=SKU-1002&sku=SKU-9999&sku=SKU-1001").json()
    assert [(s["sku"], s["quantity"], s["in_stock"]) for s in levels] == [
        ("SKU-1002", 0, False),
        ("SKU-1001", 3, True),
    ]
    assert client.get("/stock?sku=NOPE").status_code == 422
