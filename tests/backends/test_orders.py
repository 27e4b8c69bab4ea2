"""The orders service's checkout saga, against fake participants that keep their promises
(idempotent under the saga's key, tombstones on compensations that come first): every
failure point ends with nothing leaked in any service — no stock held, no money held
without an order, no order without its stock — and a crash after any step is finished or
compensated by `recover`."""

import contextlib
from concurrent.futures import Future

import pytest
from backends.orders import api, runner
from backends.orders.models import Order, Saga
from backends.orders.participants import Refused, Unavailable
from backends.orders.saga import PIVOT, STEP_NAMES, Orchestrator
from ninja.testing import TestClient

pytestmark = pytest.mark.django_db

KEY = "saga-000000000001"
VISITOR = "visitor-0123456789"
CARD = "card_" + "a" * 24
DECLINED = "card_" + "d" * 24
LINES = [
    {"sku": "SKU-1001", "name": "Kettle", "quantity": 2, "unit_cents": 1999},
    {"sku": "SKU-1002", "name": "Toaster", "quantity": 1, "unit_cents": 3500},
]


class FakeShop:
    """Inventory, payments and cart as the saga sees them, with scripted failures."""

    def __init__(self) -> None:
        self.stock = {"SKU-1001": 5, "SKU-1002": 1}
        self.reservations: dict[str, dict] = {}  # key -> {"lines", "status"}
        self.authorisations: dict[str, dict] = {}  # key -> {"amount", "status"}
        self.cart = {VISITOR: {"SKU-1001": 2, "SKU-1002": 1, "SKU-1003": 1}}
        self.failures: dict[str, list[Exception]] = {}
        self.calls: list[str] = []

    def fail(self, operation: str, *errors: Exception) -> None:
        self.failures[operation] = list(errors)

    def _call(self, operation: str) -> None:
        self.calls.append(operation)
        if self.failures.get(operation):
            raise self.failures[operation].pop(0)

    def held(self, sku: str) -> int:
        return sum(
            line["quantity"]
            for r in self.reservations.values()
            if r["status"] == "active"
            for line in r["lines"]
            if line["sku"] == sku
        )

    def reserve(self, key, lines):
        self._call("reserve")
        found = self.reservations.get(key)
        if found is not None:
            if found["status"] == "released":
                raise Refused("out_of_stock", f"reservation {key} was released")
            return
        for line in lines:
            left = self.stock[line["sku"]] - self.held(line["sku"])
            if left < line["quantity"]:
                raise Refused("out_of_stock", f"not enough {line['sku']}: {left} available")
        self.reservations[key] = {"lines": lines, "status": "active"}

    def release(self, key):
        self._call("release")
        found = self.reservations.setdefault(key, {"lines": [], "status": "released"})
        assert found["status"] != "confirmed", "a sale was released"
        found["status"] = "released"

    def confirm(self, key):
        self._call("confirm")
        found = self.reservations.get(key)
        if found is None or found["status"] != "active":
            if found is not None and found["status"] == "confirmed":
                return
            raise Refused("reservation_lost", f"reservation {key} is gone")
        for line in found["lines"]:
            self.stock[line["sku"]] -= line["quantity"]
        found["status"] = "confirmed"

    def authorise(self, key, card, amount_cents, currency):
        self._call("authorise")
        found = self.authorisations.setdefault(
            key, {"amount": amount_cents, "status": "declined" if card == DECLINED else "held"}
        )
        if found["status"] == "voided":
            raise Refused("payment_refused", "voided")
        if found["status"] == "declined":
            raise Refused("declined", "the card was declined")

    def void(self, key):
        self._call("void")
        found = self.authorisations.setdefault(key, {"amount": 0, "status": "voided"})
        if found["status"] == "held":
            found["status"] = "voided"

    def clear_cart(self, visitor, skus):
        self._call("clear_cart")
        for sku in skus:
            self.cart[visitor].pop(sku, None)

    # -- the invariants -----------------------------------------------------------------

    def assert_nothing_happened(self) -> None:
        """A failed checkout: no stock held or sold, no money held, no order, cart intact."""
        assert self.stock == {"SKU-1001": 5, "SKU-1002": 1}
        assert all(r["status"] == "released" for r in self.reservations.values())
        assert all(a["status"] != "held" for a in self.authorisations.values())
        assert not Order.objects.filter(status=Order.PLACED).exists()
        assert self.cart[VISITOR] == {"SKU-1001": 2, "SKU-1002": 1, "SKU-1003": 1}

    def assert_sold(self) -> None:
        """A placed order: its stock sold, its money held once, its lines out of the cart."""
        assert self.stock == {"SKU-1001": 3, "SKU-1002": 0}
        assert [r["status"] for r in self.reservations.values()] == ["confirmed"]
        assert self.authorisations == {KEY: {"amount": 2 * 1999 + 3500, "status": "held"}}
        assert Order.objects.get().status == Order.PLACED
        assert self.cart[VISITOR] == {"SKU-1003": 1}


class Crashed(Exception):
    """Stands for the process dying at a crash point."""


def start_saga(key=KEY, card=CARD) -> Saga:
    return Saga.objects.create(
        key=key,
        visitor=VISITOR,
        lines=LINES,
        currency="EUR",
        delivery="standard",
        delivery_cents=0,
        total_cents=2 * 1999 + 3500,
        address={"name": "Ada", "street": "1 Main St", "city": "Town", "postcode": "1000",
                 "country": "NL"},
        card=card,
    )  # fmt: skip


@pytest.fixture
def shop() -> FakeShop:
    return FakeShop()


def orchestrator(shop, **options) -> Orchestrator:
    return Orchestrator(shop, sleep=lambda seconds: None, **options)


def test_a_checkout_reserves_authorises_orders_confirms_and_clears_the_cart(shop):
    start_saga()
    saga = orchestrator(shop).run(KEY)
    assert (saga.status, saga.reason) == (Saga.COMPLETED, "")
    assert saga.order_number == Order.objects.get().number
    assert shop.calls == ["reserve", "authorise", "confirm", "clear_cart"]
    shop.assert_sold()


def test_a_declined_card_compensates_in_reverse_order(shop):
    start_saga(card=DECLINED)
    saga = orchestrator(shop).run(KEY)
    assert (saga.status, saga.reason) == (Saga.FAILED, "declined")
    assert shop.calls == ["reserve", "authorise", "void", "release"]
    shop.assert_nothing_happened()


def test_stock_gone_between_cart_and_checkout_charges_nothing(shop):
    shop.stock["SKU-1002"] = 0  # sold to someone else since it went into the cart
    start_saga()
    saga = orchestrator(shop).run(KEY)
    assert (saga.status, saga.reason) == (Saga.FAILED, "out_of_stock")
    assert "SKU-1002" in saga.detail
    assert "authorise" not in shop.calls
    shop.stock["SKU-1002"] = 1
    shop.assert_nothing_happened()


def test_a_payment_timeout_is_retried_with_the_same_key(shop):
    shop.fail("authorise", Unavailable("payments: ReadTimeout"))
    start_saga()
    assert orchestrator(shop).run(KEY).status == Saga.COMPLETED
    assert shop.calls.count("authorise") == 2
    shop.assert_sold()  # held once


def test_payments_down_voids_whatever_may_have_been_held_and_releases_stock(shop):
    shop.fail("authorise", *[Unavailable("payments: ReadTimeout")] * 3)
    start_saga()
    saga = orchestrator(shop).run(KEY)
    assert (saga.status, saga.reason) == (Saga.FAILED, "unavailable")
    assert shop.calls[-2:] == ["void", "release"]
    assert shop.authorisations[KEY]["status"] == "voided"  # a late authorisation is refused
    shop.assert_nothing_happened()


def test_an_expired_reservation_at_the_pivot_cancels_the_order(shop):
    shop.fail("confirm", Refused("reservation_lost", "reservation expired"))
    start_saga()
    saga = orchestrator(shop).run(KEY)
    assert (saga.status, saga.reason) == (Saga.FAILED, "reservation_lost")
    assert Order.objects.get().status == Order.CANCELLED
    assert saga.order_number  # kept for the record, but not reported as placed
    shop.assert_nothing_happened()


def test_after_the_pivot_an_unavailable_cart_is_retried_later_never_compensated(shop):
    shop.fail("clear_cart", *[Unavailable("cart: ConnectError")] * 3)
    start_saga()
    saga = orchestrator(shop).run(KEY)
    assert (saga.status, STEP_NAMES[saga.step]) == (Saga.RUNNING, "clear_cart")
    assert "cart" in saga.last_error
    assert orchestrator(shop).recover(KEY).status == Saga.COMPLETED
    shop.assert_sold()


def test_an_unavailable_inventory_at_the_pivot_is_asked_again_later(shop):
    shop.fail("confirm", *[Unavailable("inventory: HTTP 503")] * 3)
    start_saga()
    assert orchestrator(shop).run(KEY).status == Saga.RUNNING
    assert orchestrator(shop).recover(KEY).status == Saga.COMPLETED
    shop.assert_sold()


def test_a_compensation_that_cannot_run_now_is_finished_later(shop):
    start_saga(card=DECLINED)
    shop.fail("release", *[Unavailable("inventory: ConnectError")] * 3)
    saga = orchestrator(shop).run(KEY)
    assert (saga.status, STEP_NAMES[saga.step]) == (Saga.COMPENSATING, "reserve_stock")
    assert orchestrator(shop).recover(KEY).status == Saga.FAILED
    shop.assert_nothing_happened()


@pytest.mark.parametrize("step", STEP_NAMES)
def test_a_crash_after_any_step_is_finished_or_compensated_on_restart(shop, step):
    def crash(done: str) -> None:
        if done == step:
            raise Crashed(done)

    start_saga()
    with pytest.raises(Crashed):
        orchestrator(shop, crash=crash).run(KEY)
    saga = orchestrator(shop).recover(KEY)  # the next process
    if STEP_NAMES.index(step) < PIVOT:
        assert (saga.status, saga.reason) == (Saga.FAILED, "interrupted")
        shop.assert_nothing_happened()
    else:
        assert saga.status == Saga.COMPLETED
        shop.assert_sold()


def test_recovering_a_finished_saga_changes_nothing(shop):
    start_saga()
    orchestrator(shop).run(KEY)
    calls = list(shop.calls)
    assert orchestrator(shop).recover(KEY).status == Saga.COMPLETED
    assert shop.calls == calls


# -- the API --------------------------------------------------------------------------------


class InlineRunner:
    """Runs each saga at once, in the request, on the fake shop."""

    def __init__(self, shop: FakeShop) -> None:
        self.shop = shop
        self.submitted: list[str] = []

    def starting(self, key: str) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()

    def submit(self, key: str, *, recover: bool = False) -> Future:
        self.submitted.append(key)
        orchestrator(self.shop).run(key)
        done: Future = Future()
        done.set_result(None)
        return done


@pytest.fixture
def client(shop, monkeypatch) -> TestClient:
    monkeypatch.setattr(runner, "RUNNER", InlineRunner(shop))
    return TestClient(api.router)


CHECKOUT = {
    "key": KEY,
    "visitor": VISITOR,
    "lines": LINES,
    "currency": "EUR",
    "delivery": "express",
    "address": {"name": "Ada", "street": "1 Main St", "city": "Town", "postcode": "1000",
                "country": "NL"},
    "card": CARD,
}  # fmt: skip


def test_posting_a_checkout_places_the_order_and_the_same_key_starts_nothing_new(client, shop):
    placed = client.post("/checkouts", json=CHECKOUT)
    assert placed.status_code == 200
    body = placed.json()
    assert (body["status"], body["reason"]) == ("completed", "")
    assert body["total_cents"] == 2 * 1999 + 3500 + api.DELIVERY["express"]
    again = client.post("/checkouts", json=CHECKOUT)
    assert again.json() == body and runner.RUNNER.submitted == [KEY]
    assert client.get(f"/checkouts/{KEY}").json() == body
    order = client.get(f"/orders/{body['order_number']}").json()
    assert (order["status"], order["delivery"], order["total_cents"]) == (
        "placed",
        "express",
        body["total_cents"],
    )
    assert [o["number"] for o in client.get(f"/visitors/{VISITOR}/orders").json()] == [
        body["order_number"]
    ]


def test_a_declined_checkout_reports_why_and_no_order_number(client):
    failed = client.post("/checkouts", json=CHECKOUT | {"card": DECLINED}).json()
    assert (failed["status"], failed["reason"], failed["order_number"]) == (
        "failed",
        "declined",
        "",
    )


def test_a_key_is_one_visitors(client):
    client.post("/checkouts", json=CHECKOUT)
    taken = client.post("/checkouts", json=CHECKOUT | {"visitor": "visitor-someone-else"})
    assert taken.status_code == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"key": "short"}, "key"),
        ({"lines": []}, "lines"),
        ({"lines": [LINES[0], LINES[0]]}, "lines"),
        ({"lines": [LINES[0] | {"quantity": 0}]}, "quantity"),
        ({"delivery": "drone"}, "delivery"),
        ({"card": "4242424242424242"}, "card"),
        ({"address": CHECKOUT["address"] | {"country": "Netherlands"}}, "country"),
    ],
)
def test_a_malformed_checkout_is_refused_and_starts_nothing(client, change, field):
    refused = client.post("/checkouts", json=CHECKOUT | change)
    assert refused.status_code == 422 and field in str(refused.json()["detail"])
    assert not Saga.objects.exists()


def test_a_total_payments_cannot_take_is_refused_before_any_saga(client):
    dear = LINES[0] | {"unit_cents": 10_000_000, "quantity": 11}
    refused = client.post("/checkouts", json=CHECKOUT | {"lines": [dear]})
    assert refused.status_code == 422 and "1 to 100000000 cents" in refused.json()["detail"]
    assert not Saga.objects.exists()


def test_the_sweep_leaves_a_saga_being_started_here_alone():
    ran: list[tuple[str, bool]] = []

    class Recording:
        def run(self, key):
            ran.append((key, False))

        def recover(self, key):
            ran.append((key, True))

    sagas = runner.Runner(Recording, workers=1, sweep_interval=60)
    with sagas.starting(KEY):
        Saga.objects.create(key=KEY, visitor=VISITOR, lines=LINES, currency="EUR",
                            delivery="standard", delivery_cents=0, total_cents=1, address={},
                            card=CARD)  # fmt: skip
        assert sagas.sweep() == 0  # stored a moment ago, about to run: not a crash's leftover
        sagas.submit(KEY).result(timeout=5)
    assert ran == [(KEY, False)]
    assert sagas.sweep() == 1  # unfinished and not running here any more: recovered
    sagas.pool.shutdown(wait=True)
    assert ran == [(KEY, False), (KEY, True)]


def test_the_crash_point_needs_the_stub_admin_token(client, monkeypatch):
    monkeypatch.setenv("TESSERA_STUB_ADMIN_TOKEN", "stub-token")
    body = {"after": "create_order"}
    assert client.put("/_crash", json=body).status_code == 401
    auth = {"Authorization": "Bearer stub-token"}
    assert client.put("/_crash", json=body, headers=auth).json() == body
    assert runner.CRASH.after == "create_order"
    assert client.put("/_crash", json={"after": "nope"}, headers=auth).status_code == 422
    assert client.put("/_crash", json={}, headers=auth).json() == {"after": None}


def test_the_crash_switch_exits_after_its_step_only():
    exits: list[int] = []
    switch = runner.CrashSwitch(exit=exits.append)
    switch.after = "authorise_payment"
    switch("reserve_stock")
    switch("authorise_payment")
    assert exits == [70]
