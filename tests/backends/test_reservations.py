"""Inventory reservations: held atomically under an idempotency key, released, confirmed
into a sale, or expired (a fake clock moves time); available stock counts only what is held."""

from datetime import UTC, datetime, timedelta

import pytest
from backends.inventory import reservations
from backends.inventory.api import router
from backends.inventory.models import Reservation, Stock
from ninja.testing import TestClient

pytestmark = pytest.mark.django_db

KEY = "saga-000000000001"
T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(reservations, "now", fake)
    return fake


@pytest.fixture
def client(clock) -> TestClient:
    Stock.objects.create(sku="SKU-1001", quantity=3)
    Stock.objects.create(sku="SKU-1002", quantity=1)
    return TestClient(router)


def reserve(client, key=KEY, **lines: int):
    body = {
        "key": key,
        "lines": [{"sku": s.replace("_", "-"), "quantity": q} for s, q in lines.items()],
    }
    return client.post("/reservations", json=body)


def stock(client, sku="SKU-1001") -> dict:
    return client.get(f"/stock/{sku}").json()


def test_a_reservation_holds_units_that_the_stock_no_longer_offers(client):
    made = reserve(client, SKU_1001=2, SKU_1002=1)
    assert made.status_code == 200
    assert made.json()["status"] == "active"
    assert made.json()["lines"] == [
        {"sku": "SKU-1001", "quantity": 2},
        {"sku": "SKU-1002", "quantity": 1},
    ]
    assert stock(client) == {
        "sku": "SKU-1001",
        "quantity": 1,
        "in_stock": True,
        "on_hand": 3,
        "reserved": 2,
    }
    assert stock(client, "SKU-1002")["in_stock"] is False


def test_the_same_key_again_is_the_same_reservation_held_once(client):
    first = reserve(client, SKU_1001=2).json()
    again = reserve(client, SKU_1001=2)
    assert again.status_code == 200 and again.json() == first
    assert stock(client)["reserved"] == 2
    other = reserve(client, SKU_1001=1)
    assert other.status_code == 409 and "other lines" in other.json()["detail"]


def test_not_enough_stock_refuses_every_line(client):
    refused = reserve(client, SKU_1001=1, SKU_1002=2)
    assert refused.status_code == 409
    assert refused.json()["detail"] == "not enough SKU-1002 in stock: 1 available"
    assert not Reservation.objects.exists()
    assert stock(client)["quantity"] == 3


def test_the_last_unit_is_reserved_once(client):
    assert reserve(client, "saga-first-buyer", SKU_1002=1).status_code == 200
    second = reserve(client, "saga-second-buyer", SKU_1002=1)
    assert second.status_code == 409
    assert second.json()["detail"] == "not enough SKU-1002 in stock: 0 available"


def test_a_product_not_stocked_is_a_404(client):
    assert reserve(client, SKU_9999=1).status_code == 404


def test_release_gives_units_back_and_is_idempotent(client):
    reserve(client, SKU_1001=2)
    for _ in range(2):
        released = client.post(f"/reservations/{KEY}/release")
        assert released.status_code == 200 and released.json()["status"] == "released"
    assert stock(client)["quantity"] == 3


def test_a_reservation_overtaken_by_its_release_is_refused(client):
    # The saga gave up on a reservation call that timed out and released its key first.
    assert client.post(f"/reservations/{KEY}/release").json()["status"] == "released"
    late = reserve(client, SKU_1001=1)
    assert late.status_code == 409 and "released" in late.json()["detail"]
    assert stock(client)["quantity"] == 3


def test_confirming_makes_a_sale_once(client):
    reserve(client, SKU_1001=2)
    for _ in range(2):
        confirmed = client.post(f"/reservations/{KEY}/confirm")
        assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert stock(client) == {
        "sku": "SKU-1001",
        "quantity": 1,
        "in_stock": True,
        "on_hand": 1,
        "reserved": 0,
    }
    assert client.post(f"/reservations/{KEY}/release").status_code == 409  # sold


def test_a_released_or_unknown_reservation_cannot_be_confirmed(client):
    assert client.post(f"/reservations/{KEY}/confirm").status_code == 404
    reserve(client, SKU_1001=1)
    client.post(f"/reservations/{KEY}/release")
    assert client.post(f"/reservations/{KEY}/confirm").status_code == 409
    assert Stock.objects.get(sku="SKU-1001").quantity == 3


def test_an_unconfirmed_reservation_expires_and_holds_nothing(client, clock):
    reserve(client, SKU_1002=1)
    clock.advance(reservations.TTL.total_seconds() - 1)
    assert stock(client, "SKU-1002")["quantity"] == 0
    clock.advance(1)
    assert stock(client, "SKU-1002")["quantity"] == 1
    assert client.get(f"/reservations/{KEY}").json()["status"] == "expired"
    expired = client.post(f"/reservations/{KEY}/confirm")
    assert expired.status_code == 409 and "expired" in expired.json()["detail"]
    assert reserve(client, "saga-next-shopper", SKU_1002=1).status_code == 200
    assert client.post(f"/reservations/{KEY}/release").json()["status"] == "released"


@pytest.mark.parametrize(
    "body",
    [
        {"key": "short", "lines": [{"sku": "SKU-1001", "quantity": 1}]},
        {"key": KEY, "lines": []},
        {"key": KEY, "lines": [{"sku": "SKU-1001", "quantity": 0}]},
        {"key": KEY, "lines": [{"sku": "SKU-1001", "quantity": True}]},
        {"key": KEY, "lines": [{"sku": "SKU-1001", "quantity": 1}] * 2},
    ],
)
def test_malformed_reservations_are_refused_and_hold_nothing(client, body):
    assert client.post("/reservations", json=body).status_code == 422
    assert not Reservation.objects.exists()


def test_seeding_again_keeps_what_was_sold():
    """Each start seeds (in the cluster each pod start, on a persistent volume): stock
    already there stays as it is, units sold are not given back."""
    from backends.inventory.management.commands.seed import Command as Seed
    from django.core.management import call_command

    call_command(Seed())
    levels = dict(Stock.objects.values_list("sku", "quantity"))
    sold = next(s for s, quantity in levels.items() if quantity > 1 and s != "SKU-1001")
    Stock.objects.filter(sku=sold).update(quantity=1)
    Stock.objects.filter(sku="SKU-1001").delete()
    call_command(Seed())
    assert dict(Stock.objects.values_list("sku", "quantity")) == levels | {sold: 1}
