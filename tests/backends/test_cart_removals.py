"""The cart's removals: what an order buys leaves the cart (a step of the checkout saga before
its point of no return), only those units, only if the cart holds them now, all or none,
once under the saga's key; undone (the step's compensation) they come back, once, and a key
undone before it was taken is refused after; nothing half-done on bad input."""

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


def undo(client, key=KEY, visitor=VISITOR):
    return client.post(f"/carts/{visitor}/removals/{key}/return")


def lines(client, visitor=VISITOR) -> list[tuple[str, int]]:
    """The cart line by line, in its order."""
    cart = client.get(f"/carts/{visitor}").json()["items"]
    return [(item["sku"], item["quantity"]) for item in cart]


def test_a_line_gone_since_the_cart_was_priced_refuses_the_whole_take(client):
    client.delete(f"/carts/{VISITOR}/items/SKU-1002")  # removed by the shopper meanwhile
    refused = remove(client, {"SKU-1001": 2, "SKU-1002": 1})
    assert refused.status_code == 409
    assert refused.json()["detail"] == "the cart no longer holds SKU-1002"
    assert items(client) == {"SKU-1001": 3, "SKU-1003": 1}  # not even SKU-1001's units
    assert not Removal.objects.exists()


def test_a_line_lowered_since_the_cart_was_priced_refuses_the_whole_take(client):
    client.patch(f"/carts/{VISITOR}/items/SKU-1001", json={"quantity": 1})
    refused = remove(client, {"SKU-1001": 2, "SKU-1002": 1})
    assert refused.status_code == 409
    assert refused.json()["detail"] == "the cart holds 1 of SKU-1001, not 2"
    assert items(client) == {"SKU-1001": 1, "SKU-1002": 1, "SKU-1003": 1}
    assert not Removal.objects.exists()


def test_of_two_takes_of_the_same_units_exactly_one_has_them(client):
    """Two checkouts priced from one cart (two tabs): the first takes the units; the
    second, under its own key, finds them gone and takes nothing, not even what is left."""
    assert remove(client, {"SKU-1001": 2, "SKU-1002": 1}).status_code == 200
    second = remove(client, {"SKU-1001": 2, "SKU-1002": 1}, key=KEY + "2")
    assert second.status_code == 409
    assert second.json()["detail"] == "the cart holds 1 of SKU-1001, not 2"
    assert items(client) == {"SKU-1001": 1, "SKU-1003": 1}
    assert list(Removal.objects.values_list("key", flat=True)) == [KEY]


def test_an_undone_take_puts_the_units_back_once_each_line_in_its_place(client):
    remove(client, {"SKU-1001": 3, "SKU-1002": 1})  # both lines emptied
    assert lines(client) == [("SKU-1003", 1)]
    returned = undo(client)
    assert returned.status_code == 200
    assert lines(client) == [("SKU-1001", 3), ("SKU-1002", 1), ("SKU-1003", 1)]
    assert undo(client).status_code == 200  # the saga asking again after a timeout
    assert lines(client) == [("SKU-1001", 3), ("SKU-1002", 1), ("SKU-1003", 1)]
    late = remove(client, {"SKU-1001": 3, "SKU-1002": 1})  # the take, retried too late
    assert late.status_code == 409 and "undone" in late.json()["detail"]
    assert lines(client) == [("SKU-1001", 3), ("SKU-1002", 1), ("SKU-1003", 1)]


def test_an_undone_take_adds_to_what_the_shopper_put_in_meanwhile(client):
    remove(client, {"SKU-1001": 2, "SKU-1002": 1})
    client.post(f"/carts/{VISITOR}/items", json={"sku": "SKU-1002", "quantity": 2})
    client.post(f"/carts/{VISITOR}/items", json={"sku": "SKU-1001", "quantity": 98})
    undo(client)
    assert items(client) == {"SKU-1001": 99, "SKU-1002": 3, "SKU-1003": 1}  # at most 99


def test_a_take_undone_before_it_arrived_is_refused_and_takes_nothing(client):
    """The compensation overtook its step (a retried call): it leaves a tombstone."""
    assert undo(client).status_code == 200
    assert items(client) == {"SKU-1001": 3, "SKU-1002": 1, "SKU-1003": 1}
    late = remove(client, {"SKU-1001": 2})
    assert late.status_code == 409 and "undone" in late.json()["detail"]
    assert items(client) == {"SKU-1001": 3, "SKU-1002": 1, "SKU-1003": 1}


def test_a_take_is_undone_only_for_its_own_cart(client):
    remove(client, {"SKU-1001": 2})
    theirs = undo(client, visitor="visitor-someone-else")
    assert theirs.status_code == 409
    assert items(client, "visitor-someone-else") == {}
    assert items(client) == {"SKU-1001": 1, "SKU-1002": 1, "SKU-1003": 1}


def test_a_malformed_return_key_is_a_422(client):
    assert undo(client, key="short").status_code == 422
    assert not Removal.objects.exists()


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
