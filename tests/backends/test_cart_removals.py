"""The cart's removals: what an order bought leaves the cart (the checkout saga's last step),
only those units, once under the saga's key, and nothing half-done on bad input."""

import pytest
from backends.cart.api import router
from backends.cart.models import CartItem, Removal
from ninja.testing import TestClient

pytestmark = pytest.mark.django_db

VISITOR = "visitor-0123456789"
KEY = "co-0000000000000000000000000000000000000001"


@pytest.fixture
def client() -> TestClient:
    client = TestClient(router)
    for sku, quantity in {"SKU-1001": 3, "SKU-1002": 1, "SKU-1003": 1}.items():
        added = client.post(f"/carts/{VISITOR}/items", json={"sku": sku, "quantity": quantity})
        assert added.status_code == 200
    return client


def remove(client, lines: dict[str, int], key=KEY, visitor=VISITOR):
    body = {"key": key, "lines": [{"sku": s, "quantity": q} for s, q in lines.items()]}
    return client.post(f"/carts/{visitor}/removals", json=body)


def items(client, visitor=VISITOR) -> dict[str, int]:
    return {i["sku"]: i["quantity"] for i in client.get(f"/carts/{visitor}").json()["items"]}


def test_only_the_bought_units_leave_the_cart(client):
    # Two of SKU-1001 were bought; the third was added in another tab while paying.
    removed = remove(client, {"SKU-1001": 2, "SKU-1002": 1})
    assert removed.status_code == 200
    assert removed.json()["items"] == [
        {"sku": "SKU-1001", "quantity": 1},
        {"sku": "SKU-1003", "quantity": 1},
    ]
    assert removed.json()["count"] == 2


def test_a_retried_removal_removes_nothing_more(client):
    remove(client, {"SKU-1001": 2})
    again = remove(client, {"SKU-1001": 2})  # the saga asking again after a timeout
    assert again.status_code == 200
    assert items(client) == {"SKU-1001": 1, "SKU-1002": 1, "SKU-1003": 1}
    assert Removal.objects.count() == 1


def test_lines_already_gone_or_lowered_are_no_error(client):
    client.delete(f"/carts/{VISITOR}/items/SKU-1002")  # removed by the shopper meanwhile
    client.patch(f"/carts/{VISITOR}/items/SKU-1001", json={"quantity": 1})  # lowered
    assert remove(client, {"SKU-1001": 2, "SKU-1002": 1}).status_code == 200
    assert items(client) == {"SKU-1003": 1}


def test_a_key_used_for_other_lines_or_another_cart_is_a_409_and_removes_nothing(client):
    remove(client, {"SKU-1001": 1})
    other = remove(client, {"SKU-1001": 2})
    assert other.status_code == 409 and "other lines" in other.json()["detail"]
    client.post("/carts/visitor-someone-else/items", json={"sku": "SKU-1001", "quantity": 2})
    theirs = remove(client, {"SKU-1001": 1}, visitor="visitor-someone-else")
    assert theirs.status_code == 409
    assert items(client) == {"SKU-1001": 2, "SKU-1002": 1, "SKU-1003": 1}
    assert items(client, "visitor-someone-else") == {"SKU-1001": 2}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"key": "short", "lines": [{"sku": "SKU-1001", "quantity": 1}]}, "key"),
        ({"key": KEY, "lines": []}, "lines"),
        ({"key": KEY, "lines": [{"sku": "kettle", "quantity": 1}]}, "sku"),
        ({"key": KEY, "lines": [{"sku": "SKU-1001", "quantity": 0}]}, "quantity"),
        ({"key": KEY, "lines": [{"sku": "SKU-1001", "quantity": "2"}]}, "quantity"),
        ({"key": KEY, "lines": [{"sku": "SKU-1001", "quantity": 1}] * 2}, "lines"),
        ({"lines": [{"sku": "SKU-1001", "quantity": 1}]}, "key"),
    ],
)
def test_a_malformed_removal_is_a_422_naming_the_field_and_changes_nothing(client, body, field):
    refused = client.post(f"/carts/{VISITOR}/removals", json=body)
    assert refused.status_code == 422 and field in str(refused.json()["detail"])
    assert items(client) == {"SKU-1001": 3, "SKU-1002": 1, "SKU-1003": 1}
    assert not Removal.objects.exists()


def test_a_removal_for_a_bad_visitor_is_a_422(client):
    refused = client.post("/carts/x/removals", json={"key": KEY, "lines": []})
    assert refused.status_code == 422
    assert CartItem.objects.count() == 3
