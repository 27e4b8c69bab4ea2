"""The orders service's checkout saga, against fake participants that keep their promises
(idempotent under the saga's key, tombstones on compensations that come first): every
failure point ends with nothing leaked in any service — no stock held, no money held
without an order, no order without its stock, no units out of the cart without an order —
and a crash after any step is finished or compensated by `recover`. The cart's own take
and return are checked here too, through the cart's API in this process (`RealCart`)."""

import contextlib
import importlib
import logging
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta

import pytest
from backends.cart.api import router as cart_router
from backends.orders import api, runner
from backends.orders.models import Order, Saga
from backends.orders.participants import Refused, Unavailable
from backends.orders.saga import PIVOT, STEP_NAMES, Orchestrator
from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Q
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
        #: The cart's takes, by key: {"lines": {sku: units}, "status": taken or returned}.
        self.removals: dict[str, dict] = {}
        #: What to do as an operation's call begins, once (a test's gate).
        self.before: dict[str, Callable[[], None]] = {}
        #: Operations whose next answer is lost after they took effect (a timeout).
        self.lost: set[str] = set()
        self.failures: dict[str, list[Exception]] = {}
        self.calls: list[str] = []

    def fail(self, operation: str, *errors: Exception) -> None:
        self.failures[operation] = list(errors)

    def _call(self, operation: str) -> None:
        self.calls.append(operation)
        if operation in self.before:
            self.before.pop(operation)()  # once
        if self.failures.get(operation):
            raise self.failures[operation].pop(0)

    def _answer(self, operation: str) -> None:
        """The answer to `operation`, which took effect: lost (Unavailable) once if so set."""
        if operation in self.lost:
            self.lost.discard(operation)
            raise Unavailable(f"{operation}: ReadTimeout (it took effect)")

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

    def capture(self, key):
        self._call("capture")
        found = self.authorisations.get(key)
        if found is None or found["status"] not in ("held", "captured"):
            raise Refused("payment_lost", f"authorisation {key}: nothing to capture")
        found["status"] = "captured"

    def take_from_cart(self, key, visitor, lines):
        """As the cart does it: all the units or none, only those it holds now, once per
        key, refused after the key's return (its tombstone)."""
        self._call("take")
        found = self.removals.get(key)
        if found is not None:
            if found["status"] == "returned":
                raise Refused("cart_changed", f"removal {key} was undone")
            return
        cart = self.cart[visitor]
        for line in lines:
            if cart.get(line["sku"], 0) < line["quantity"]:
                raise Refused("cart_changed", f"the cart no longer holds {line['sku']}")
        for line in lines:
            cart[line["sku"]] -= line["quantity"]
            if not cart[line["sku"]]:
                del cart[line["sku"]]
        taken = {line["sku"]: line["quantity"] for line in lines}
        self.removals[key] = {"lines": taken, "status": "taken"}
        self._answer("take")

    def return_to_cart(self, key, visitor):
        self._call("return")
        found = self.removals.setdefault(key, {"lines": {}, "status": "returned"})
        if found["status"] == "taken":
            cart = self.cart[visitor]
            for sku, units in found["lines"].items():
                cart[sku] = cart.get(sku, 0) + units
            found["status"] = "returned"
        self._answer("return")

    # -- the invariants -----------------------------------------------------------------

    def assert_nothing_happened(self) -> None:
        """A failed checkout: no stock held or sold, no money held, no order, cart intact."""
        assert self.stock == {"SKU-1001": 5, "SKU-1002": 1}
        assert all(r["status"] == "released" for r in self.reservations.values())
        assert all(a["status"] not in ("held", "captured") for a in self.authorisations.values())
        assert not Order.objects.filter(status=Order.PLACED).exists()
        assert all(r["status"] == "returned" for r in self.removals.values())
        assert self.cart[VISITOR] == {"SKU-1001": 2, "SKU-1002": 1, "SKU-1003": 1}

    def assert_sold(self, cart: dict[str, int] | None = None) -> None:
        """A placed order: its stock sold, its money captured once, the bought units out of
        the cart (`cart`: what is left of it)."""
        assert self.stock == {"SKU-1001": 3, "SKU-1002": 0}
        assert [r["status"] for r in self.reservations.values()] == ["confirmed"]
        assert self.authorisations == {KEY: {"amount": 2 * 1999 + 3500, "status": "captured"}}
        order = Order.objects.get()
        assert (order.status, order.payment) == (Order.PLACED, Order.CAPTURED)
        assert self.removals == {KEY: {"lines": {"SKU-1001": 2, "SKU-1002": 1}, "status": "taken"}}
        assert self.cart[VISITOR] == (cart or {"SKU-1003": 1})


class Crashed(Exception):
    """Stands for the process dying at a crash point."""


def start_saga(key=KEY, card=CARD, visitor=VISITOR) -> Saga:
    return Saga.objects.create(
        key=key,
        visitor=visitor,
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


def test_a_checkout_reserves_authorises_orders_takes_from_the_cart_confirms_and_captures(shop):
    start_saga()
    saga = orchestrator(shop).run(KEY)
    assert (saga.status, saga.reason) == (Saga.COMPLETED, "")
    assert saga.order_number == Order.objects.get().number
    assert shop.calls == ["reserve", "authorise", "take", "confirm", "capture"]
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


def test_an_expired_reservation_at_the_pivot_cancels_the_order_and_puts_the_units_back(shop):
    shop.fail("confirm", Refused("reservation_lost", "reservation expired"))
    start_saga()
    saga = orchestrator(shop).run(KEY)
    assert (saga.status, saga.reason) == (Saga.FAILED, "reservation_lost")
    assert Order.objects.get().status == Order.CANCELLED
    assert saga.order_number  # kept for the record, but not reported as placed
    assert shop.calls == ["reserve", "authorise", "take", "confirm", "return", "void", "release"]
    assert shop.removals[KEY]["status"] == "returned"  # taken, then put back
    shop.assert_nothing_happened()


def test_an_unavailable_cart_before_the_pivot_compensates_and_sells_nothing(shop):
    shop.fail("take", *[Unavailable("cart: ConnectError")] * 3)
    start_saga()
    saga = orchestrator(shop).run(KEY)
    assert (saga.status, saga.reason) == (Saga.FAILED, "unavailable")
    assert "take from cart: cart: ConnectError" in saga.detail
    assert "confirm" not in shop.calls and shop.calls[-3:] == ["return", "void", "release"]
    shop.assert_nothing_happened()


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


class Clock:
    """A fake clock for the backoff: it moves only when told."""

    def __init__(self) -> None:
        self.at = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


def swept(clock: Clock) -> list[str]:
    """The sagas a sweep at `clock`'s time hands on to be recovered."""
    picked: list[str] = []

    class Recording:
        def recover(self, key: str) -> None:
            picked.append(key)

    sagas = runner.Runner(Recording, workers=1, sweep_interval=60, now=clock)
    sagas.sweep()
    sagas.pool.shutdown(wait=True)
    return picked


def test_a_capture_failing_for_a_while_is_retried_with_backoff_until_it_is_taken(shop):
    clock = Clock()
    shop.fail("capture", *[Unavailable("payments: HTTP 503")] * 6)  # two runs' worth
    start_saga()
    saga = orchestrator(shop, now=clock).run(KEY)
    # Past the pivot: not compensated, left at the capture, to be tried again in 5 s; the
    # bought units are out of the cart already, and the saga settling.
    assert (saga.status, STEP_NAMES[saga.step]) == (Saga.SETTLING, "capture_payment")
    assert shop.cart[VISITOR] == {"SKU-1003": 1}
    assert "void" not in shop.calls and "release" not in shop.calls
    assert (saga.retries, saga.retry_at) == (1, clock() + timedelta(seconds=5))
    assert "capture_payment: payments: HTTP 503" in saga.last_error
    assert Order.objects.get().payment == Order.AUTHORISED  # not taken yet, and it says so
    clock.advance(4.9)
    assert swept(clock) == []  # still waiting
    clock.advance(0.1)
    assert swept(clock) == [KEY]
    saga = orchestrator(shop, now=clock).recover(KEY)  # fails again: the wait doubles
    assert (saga.status, saga.retries, saga.retry_at) == (
        Saga.SETTLING,
        2,
        clock() + timedelta(seconds=10),
    )
    clock.advance(9.9)
    assert swept(clock) == []
    clock.advance(0.1)
    assert swept(clock) == [KEY]
    saga = orchestrator(shop, now=clock).recover(KEY)  # payments is back
    assert (saga.status, saga.retries, saga.retry_at) == (Saga.COMPLETED, 0, None)
    assert shop.calls.count("capture") == 7
    shop.assert_sold()


def test_the_wait_between_runs_doubles_up_to_its_bound():
    timing = Orchestrator(FakeShop(), retry_base=5, retry_max=60)
    assert [timing.retry_delay(n) for n in range(1, 7)] == [5, 10, 20, 40, 60, 60]


@pytest.mark.parametrize("retries", [1025, 10_000, 10**9])
def test_the_wait_stays_at_its_bound_however_long_a_participant_is_out(retries):
    """2 ** 1024 does not fit a float: after some 3.5 days of runs at 300 s the wait would
    fail to be computed, and the saga be retried at every sweep."""
    timing = Orchestrator(FakeShop(), retry_base=5, retry_max=300)
    assert timing.retry_delay(retries) == 300


def test_a_saga_waiting_days_for_payments_still_records_its_next_wait(shop):
    clock = Clock()
    shop.fail("capture", *[Unavailable("payments: HTTP 503")] * 6)
    start_saga()
    orchestrator(shop, now=clock).run(KEY)  # left at the capture
    Saga.objects.filter(key=KEY).update(retries=10_000, retry_at=None)  # for days on end
    orchestrator(shop, now=clock, retry_max=300).recover(KEY)
    saga = Saga.objects.get(key=KEY)
    assert (saga.retries, saga.retry_at) == (10_001, clock() + timedelta(seconds=300))
    assert swept(clock) == []  # waiting its 300 s, not taken up at every sweep


def test_a_crash_right_after_the_capture_captures_once_and_records_it_on_restart(shop):
    def crash(done: str) -> None:
        if done == "capture_payment":
            raise Crashed(done)

    start_saga()
    with pytest.raises(Crashed):
        orchestrator(shop, crash=crash).run(KEY)
    # Taken by payments, not yet recorded here: the order still says authorised.
    assert shop.authorisations[KEY]["status"] == "captured"
    assert Order.objects.get().payment == Order.AUTHORISED
    saga = orchestrator(shop).recover(KEY)
    assert saga.status == Saga.COMPLETED
    assert shop.calls.count("capture") == 2  # asked again, answered as the first time
    shop.assert_sold()


def test_a_refused_capture_is_recorded_and_the_sold_order_goes_on(shop, caplog):
    shop.fail("capture", Refused("payment_lost", "authorisation was voided"))
    start_saga()
    with caplog.at_level(logging.INFO, logger="tessera.orders.saga"):
        saga = orchestrator(shop).run(KEY)
    assert (saga.status, saga.reason) == (Saga.COMPLETED, "")
    assert "capture_payment: authorisation was voided" in saga.last_error
    assert "void" not in shop.calls and "release" not in shop.calls  # sold: nothing undone
    assert Order.objects.get().payment == Order.REFUSED
    assert shop.cart[VISITOR] == {"SKU-1003": 1}
    said = [record.getMessage() for record in caplog.records]
    assert f"saga {KEY}: capture_payment refused (recorded)" in said
    assert f"saga {KEY}: capture_payment done" not in said  # it was not


def test_taking_from_the_cart_takes_only_the_bought_units_once(shop):
    shop.cart[VISITOR]["SKU-1001"] = 3  # one more added in another tab while paying
    shop.fail("take", Unavailable("cart: ReadTimeout"))  # retried: taken once
    start_saga()
    assert orchestrator(shop).run(KEY).status == Saga.COMPLETED
    assert shop.calls.count("take") == 2
    shop.assert_sold(cart={"SKU-1001": 1, "SKU-1003": 1})


def test_a_take_whose_answer_was_lost_is_asked_again_and_takes_the_units_once(shop):
    shop.lost.add("take")  # taken, the answer lost: the retry is answered as the first time
    start_saga()
    assert orchestrator(shop).run(KEY).status == Saga.COMPLETED
    assert shop.calls.count("take") == 2
    shop.assert_sold()  # SKU-1003 still in the cart: nothing taken twice


def test_a_line_removed_while_the_checkout_runs_is_not_sold(shop):
    """The shopper removes a line (another tab) after the cart was priced, while the saga
    runs: its units are no longer the cart's to sell, so nothing is, and the saga is
    compensated; the cart stays as the shopper left it."""
    shop.before["authorise"] = lambda: shop.cart[VISITOR].pop("SKU-1002")
    start_saga()
    saga = orchestrator(shop).run(KEY)
    assert (saga.status, saga.reason) == (Saga.FAILED, "cart_changed")
    assert "SKU-1002" in saga.detail
    assert shop.calls == ["reserve", "authorise", "take", "return", "void", "release"]
    assert shop.stock == {"SKU-1001": 5, "SKU-1002": 1}  # nothing sold, nothing held
    assert [r["status"] for r in shop.reservations.values()] == ["released"]
    assert shop.authorisations[KEY]["status"] == "voided"
    assert Order.objects.get().status == Order.CANCELLED
    assert shop.removals[KEY] == {"lines": {}, "status": "returned"}  # a tombstone
    assert shop.cart[VISITOR] == {"SKU-1001": 2, "SKU-1003": 1}  # as the shopper left it


def test_a_crash_right_after_taking_from_the_cart_puts_the_units_back_on_restart(shop):
    def crash(done: str) -> None:
        if done == "take_from_cart":
            raise Crashed(done)

    start_saga()
    with pytest.raises(Crashed):
        orchestrator(shop, crash=crash).run(KEY)
    assert shop.cart[VISITOR] == {"SKU-1003": 1}  # taken, not yet recorded here
    assert STEP_NAMES[Saga.objects.get(key=KEY).step] == "take_from_cart"
    saga = orchestrator(shop).recover(KEY)  # before the pivot: compensated
    assert (saga.status, saga.reason) == (Saga.FAILED, "interrupted")
    assert shop.calls[-3:] == ["return", "void", "release"] and "confirm" not in shop.calls
    shop.assert_nothing_happened()  # the units back in the cart


def test_a_return_whose_answer_was_lost_is_asked_again_and_puts_the_units_back_once(shop):
    shop.fail("confirm", Refused("reservation_lost", "reservation expired"))
    shop.lost.add("return")
    start_saga()
    saga = orchestrator(shop).run(KEY)
    assert (saga.status, saga.reason) == (Saga.FAILED, "reservation_lost")
    assert shop.calls.count("return") == 2
    shop.assert_nothing_happened()  # two of SKU-1001, not four


def test_a_return_that_cannot_run_now_is_finished_later_and_the_units_come_back(shop):
    shop.fail("confirm", Refused("reservation_lost", "reservation expired"))
    shop.fail("return", *[Unavailable("cart: HTTP 503")] * 3)
    start_saga()
    saga = orchestrator(shop).run(KEY)
    assert (saga.status, STEP_NAMES[saga.step]) == (Saga.COMPENSATING, "take_from_cart")
    assert shop.cart[VISITOR] == {"SKU-1003": 1}  # still out, for now
    assert orchestrator(shop).recover(KEY).status == Saga.FAILED
    shop.assert_nothing_happened()


def test_a_visitor_has_one_unfinished_saga_at_most_in_the_database():
    start_saga()
    with pytest.raises(IntegrityError), transaction.atomic():
        start_saga(key="saga-000000000002")
    # Compensating: it will not be placed, however long undoing it waits: another may start.
    Saga.objects.filter(key=KEY).update(status=Saga.COMPENSATING)
    start_saga(key="saga-000000000002")
    start_saga(key="saga-000000000003", visitor="visitor-someone-else")  # one each
    # Settling (placed, out of the cart, the capture waiting for payments): the next may start.
    Saga.objects.filter(key="saga-000000000002").update(status=Saga.SETTLING)
    start_saga(key="saga-000000000004")


def test_the_index_holds_the_statuses_of_a_checkout_under_way_exactly():
    """The index's condition is spelled out (a migration changes it, not a new status)."""
    (index,) = [c for c in Saga._meta.constraints if c.name == "one_unfinished_saga_per_visitor"]
    assert index.condition == Q(status__in=list(Saga.UNDER_WAY))
    assert Saga.SETTLING not in Saga.UNDER_WAY and Saga.SETTLING in Saga.UNFINISHED


def test_the_migration_puts_sagas_at_or_past_the_old_pivot_at_the_new_one():
    """Steps were 3 confirm (the pivot), 4 clear the cart; now 3 take from the cart, 4
    confirm (the pivot): a saga that may be sold already only goes forward."""
    migration = importlib.import_module(
        "backends.orders.migrations.0004_take_from_the_cart_before_the_pivot"
    )
    before = {
        "saga-running-at-2": (Saga.RUNNING, 2),
        "saga-running-at-3": (Saga.RUNNING, 3),  # at the old pivot
        "saga-running-at-4": (Saga.RUNNING, 4),  # sold, clearing the cart
        "saga-compensating-at-3": (Saga.COMPENSATING, 3),  # the old pivot refused
        "saga-settling-at-5": (Saga.SETTLING, 5),
    }
    for key, (status, step) in before.items():
        start_saga(key=key, visitor=f"visitor-{key}")
        Saga.objects.filter(key=key).update(status=status, step=step)

    def steps() -> dict[str, int]:
        return dict(Saga.objects.values_list("key", "step"))

    migration._at_the_new_pivot(apps, None)
    assert steps() == {
        "saga-running-at-2": 2,
        "saga-running-at-3": PIVOT,
        "saga-running-at-4": PIVOT,
        "saga-compensating-at-3": 3,
        "saga-settling-at-5": 5,
    }
    assert STEP_NAMES[PIVOT] == "confirm_reservation"
    migration._at_the_old_pivot(apps, None)
    assert steps() == {
        "saga-running-at-2": 2,
        "saga-running-at-3": 3,
        "saga-running-at-4": 3,
        "saga-compensating-at-3": 3,
        "saga-settling-at-5": 5,
    }


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
    assert body["payment"] == "captured"
    order = client.get(f"/orders/{body['order_number']}").json()
    assert (order["status"], order["payment"], order["delivery"], order["total_cents"]) == (
        "placed",
        "captured",
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


class HoldingRunner(InlineRunner):
    """Stores sagas and runs none: each stays under way (as one waiting for a participant)."""

    def submit(self, key: str, *, recover: bool = False) -> Future:
        self.submitted.append(key)
        done: Future = Future()
        done.set_result(None)
        return done


def test_a_second_checkout_while_the_visitors_first_is_under_way_is_refused(shop, monkeypatch):
    monkeypatch.setattr(runner, "RUNNER", HoldingRunner(shop))
    client = TestClient(api.router)
    first = client.post("/checkouts", json=CHECKOUT)
    assert (first.status_code, first.json()["status"]) == (200, "pending")
    second = client.post("/checkouts", json=CHECKOUT | {"key": "saga-000000000002"})
    assert second.status_code == 409
    assert second.json() == {"detail": [{"type": "busy", "msg": api.BUSY}]}
    assert api.BUSY == (
        "An order for this cart is already being placed. Please wait until it is finished "
        "before placing another."
    )
    assert list(Saga.objects.values_list("key", flat=True)) == [KEY]  # nothing half-made
    again = client.post("/checkouts", json=CHECKOUT)  # the same key: the same checkout
    assert (again.status_code, again.json()["key"]) == (200, KEY)
    assert runner.RUNNER.submitted == [KEY]
    someone = CHECKOUT | {"key": "saga-000000000003", "visitor": "visitor-someone-else"}
    assert client.post("/checkouts", json=someone).status_code == 200  # a cart each
    Saga.objects.filter(key=KEY).update(status=Saga.SETTLING)
    later = client.post("/checkouts", json=CHECKOUT | {"key": "saga-000000000002"})
    assert later.status_code == 200  # the first is placed: the next order may start


def test_an_order_whose_capture_waits_for_payments_is_placed_and_frees_the_visitor(client, shop):
    """Payments out past the point of no return: the order is the shopper's (completed, its
    number, its payment authorised), the bought units out of the cart, and the next checkout
    is not refused while the sweep goes on capturing this one's payment."""
    shop.fail("capture", *[Unavailable("payments: HTTP 503")] * 3)
    placed = client.post("/checkouts", json=CHECKOUT).json()
    assert (placed["status"], placed["step"], placed["payment"]) == (
        "completed",
        "capture_payment",  # still being captured
        "authorised",
    )
    assert placed["order_number"] == Order.objects.get().number
    assert Saga.objects.get(key=KEY).status == Saga.SETTLING
    assert shop.cart[VISITOR] == {"SKU-1003": 1}
    shop.cart[VISITOR] |= {"SKU-1001": 2, "SKU-1002": 1}  # shopping on, and ordering again
    shop.stock["SKU-1002"] = 2
    shop.fail("capture", *[Unavailable("payments: HTTP 503")] * 3)
    second = client.post("/checkouts", json=CHECKOUT | {"key": "saga-000000000002"})
    assert second.status_code == 200 and second.json()["status"] == "completed"
    orchestrator(shop).recover(KEY)  # payments is back: the sweep takes the money
    settled = client.get(f"/checkouts/{KEY}").json()
    assert (settled["status"], settled["step"], settled["payment"]) == ("completed", "", "captured")
    assert settled["order_number"] == placed["order_number"]


@pytest.mark.parametrize(
    ("change", "differs"),
    [
        ({"lines": [LINES[0]]}, "lines, total"),
        ({"lines": [LINES[0] | {"unit_cents": 1}, *LINES[1:]]}, "lines, total"),
        ({"delivery": "standard"}, "delivery, total"),
        ({"address": CHECKOUT["address"] | {"city": "Elsewhere"}}, "address"),
    ],
)
def test_a_key_used_again_for_another_order_is_refused_and_changes_nothing(client, change, differs):
    placed = client.post("/checkouts", json=CHECKOUT).json()
    other = client.post("/checkouts", json=CHECKOUT | change)
    assert other.status_code == 409
    assert other.json()["detail"] == f"this key was used for an order with other {differs}"
    assert client.get(f"/checkouts/{KEY}").json() == placed
    # The same order again (a new card token, as each try makes one) joins it.
    assert client.post("/checkouts", json=CHECKOUT | {"card": "card_" + "1" * 24}).json() == placed


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


@pytest.mark.parametrize("currency", ["ZZZ", "USD", "KRW", "eur"])
def test_a_checkout_in_a_currency_the_shop_does_not_price_in_is_refused_in_words(client, currency):
    refused = client.post("/checkouts", json=CHECKOUT | {"currency": currency})
    assert refused.status_code == 422
    assert [(p["loc"][-1], p["msg"]) for p in refused.json()["detail"]] == [
        ("currency", f"the shop prices and charges in EUR only, not {currency!r}")
    ]
    assert not Saga.objects.exists() and runner.RUNNER.submitted == []


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("name", "\u200b"),  # only a zero-width space: nothing shows
        ("name", "\u00a0\u200d"),
        ("name", "Ada \u202eecalevoL"),  # a bidi override
        ("street", "1 Main St\u2066"),  # a bidi isolate
        ("city", "Town\u2028Gotham"),  # a line separator
        ("postcode", "1000\u2029"),  # a paragraph separator
    ],
)
def test_an_address_line_that_is_not_one_visible_line_is_refused(client, field, text):
    address = CHECKOUT["address"] | {field: text}
    refused = client.post("/checkouts", json=CHECKOUT | {"address": address})
    assert refused.status_code == 422
    assert [p["loc"][-1] for p in refused.json()["detail"]] == [field]
    assert not Saga.objects.exists()


def test_a_line_named_by_its_sku_or_in_korean_is_taken(client):
    lines = [LINES[0] | {"name": LINES[0]["sku"]}, LINES[1] | {"name": "노르딕 램프 👩\u200d💻"}]
    address = CHECKOUT["address"] | {"name": "Zoë Ågren", "city": "서울"}
    placed = client.post("/checkouts", json=CHECKOUT | {"lines": lines, "address": address})
    assert placed.status_code == 200 and placed.json()["status"] == "completed"


def test_a_total_payments_cannot_take_is_refused_before_any_saga(client):
    dear = LINES[0] | {"unit_cents": 10_000_000, "quantity": 11}
    refused = client.post("/checkouts", json=CHECKOUT | {"lines": [dear]})
    assert refused.status_code == 422 and "1 to 100000000 cents" in refused.json()["detail"]
    assert not Saga.objects.exists()


class RealCart(FakeShop):
    """The fake shop with the real cart in place of its fake one: the cart's API in this
    process, on its database (inventory and payments stay fake, with stock for two orders)."""

    def __init__(self) -> None:
        super().__init__()
        self.stock = {"SKU-1001": 10, "SKU-1002": 10}
        self.carts = TestClient(cart_router)
        for sku, quantity in {"SKU-1001": 2, "SKU-1002": 1, "SKU-1003": 1}.items():
            assert self.carts.post(
                f"/carts/{VISITOR}/items", json={"sku": sku, "quantity": quantity}
            ).status_code == 200  # fmt: skip

    def items(self) -> list[tuple[str, int]]:
        """The visitor's cart, line by line in its order."""
        cart = self.carts.get(f"/carts/{VISITOR}").json()
        return [(item["sku"], item["quantity"]) for item in cart["items"]]

    def _cart(self, answer, refusals: dict[int, str]) -> None:
        """As HttpParticipants reads the cart's answer."""
        if answer.status_code in refusals:
            raise Refused(refusals[answer.status_code], answer.json()["detail"])
        assert answer.status_code == 200, answer.content

    def take_from_cart(self, key, visitor, lines):
        self._call("take")
        body = {"key": key, "lines": [{"sku": x["sku"], "quantity": x["quantity"]} for x in lines]}
        self._cart(self.carts.post(f"/carts/{visitor}/removals", json=body), {409: "cart_changed"})

    def return_to_cart(self, key, visitor):
        self._call("return")
        self._cart(self.carts.post(f"/carts/{visitor}/removals/{key}/return"), {})


SECOND = "saga-000000000002"


def test_two_tabs_checking_out_one_cart_place_one_order(monkeypatch):
    """The tester's two tabs: each priced the same cart (one of each line's units, good
    cards), and the second's checkout starts while the first is settling (placed, its
    payment being captured: it no longer holds the visitor's one checkout). The gate: the
    second tab's checkout runs while the first is held at its capture. The units are the
    first's: the second is refused them by the cart and compensated, charged nothing."""
    shop = RealCart()
    monkeypatch.setattr(runner, "RUNNER", InlineRunner(shop))
    client = TestClient(api.router)
    second = {}

    def second_tab() -> None:
        assert Saga.objects.get(key=KEY).status == Saga.SETTLING
        second["answer"] = client.post("/checkouts", json=CHECKOUT | {"key": SECOND})

    shop.before["capture"] = second_tab
    first = client.post("/checkouts", json=CHECKOUT).json()
    assert (first["status"], first["payment"]) == ("completed", "captured")
    assert second["answer"].status_code == 200
    lost = second["answer"].json()
    assert (lost["status"], lost["reason"], lost["order_number"]) == ("failed", "cart_changed", "")
    assert "SKU-1001" in lost["detail"]
    # Sold once: stock, money and order of the first only; the cart as the first left it.
    assert shop.stock == {"SKU-1001": 8, "SKU-1002": 9}
    assert {k: r["status"] for k, r in shop.reservations.items()} == {
        KEY: "confirmed",
        SECOND: "released",
    }
    assert {k: a["status"] for k, a in shop.authorisations.items()} == {
        KEY: "captured",
        SECOND: "voided",
    }
    assert dict(Order.objects.values_list("saga_key", "status")) == {
        KEY: Order.PLACED,
        SECOND: Order.CANCELLED,
    }
    assert shop.items() == [("SKU-1003", 1)]


def test_a_line_removed_from_the_real_cart_while_the_checkout_runs_is_not_sold():
    shop = RealCart()
    shop.before["authorise"] = lambda: shop.carts.delete(f"/carts/{VISITOR}/items/SKU-1002")
    start_saga()
    saga = orchestrator(shop).run(KEY)
    assert (saga.status, saga.reason) == (Saga.FAILED, "cart_changed")
    assert saga.detail == "the cart no longer holds SKU-1002"
    assert shop.stock == {"SKU-1001": 10, "SKU-1002": 10} and shop.held("SKU-1001") == 0
    assert shop.authorisations[KEY]["status"] == "voided"
    assert Order.objects.get().status == Order.CANCELLED
    assert shop.items() == [("SKU-1001", 2), ("SKU-1003", 1)]  # nothing of it taken


def test_units_taken_from_the_real_cart_go_back_in_their_place_when_the_saga_fails():
    shop = RealCart()
    shop.fail("confirm", Refused("reservation_lost", "reservation expired"))
    start_saga()
    assert orchestrator(shop).run(KEY).reason == "reservation_lost"
    assert "take" in shop.calls
    assert shop.items() == [("SKU-1001", 2), ("SKU-1002", 1), ("SKU-1003", 1)]


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


def test_a_checkout_whose_undoing_waits_is_failed_at_once_and_frees_the_visitor(client, shop):
    """Inventory out: the reservation cannot be made, nor released (whether it was made is
    not known). The shopper is told at once that the order is not placed, not kept waiting
    for the release, and may order again while the sweep goes on releasing."""
    shop.fail("reserve", *[Unavailable("inventory: HTTP 503")] * 3)
    shop.fail("release", *[Unavailable("inventory: HTTP 503")] * 3)
    failed = client.post("/checkouts", json=CHECKOUT).json()
    assert (failed["status"], failed["reason"], failed["order_number"]) == (
        "failed",
        "unavailable",
        "",
    )
    assert failed["step"] == "reserve_stock"  # what is still being undone
    assert Saga.objects.get(key=KEY).status == Saga.COMPENSATING
    assert client.get(f"/checkouts/{KEY}").json() == failed
    # Inventory is back: the next checkout goes through, the sweep finishes the first.
    second = client.post("/checkouts", json=CHECKOUT | {"key": "saga-000000000002"})
    assert second.status_code == 200 and second.json()["status"] == "completed"
    assert orchestrator(shop).recover(KEY).status == Saga.FAILED
    assert client.get(f"/checkouts/{KEY}").json()["step"] == ""


def test_a_failed_checkout_being_undone_shows_no_payment(client, shop):
    """The order is made and the card held when the cart refuses the take; undoing waits
    for the cart. The checkout is failed: it shows no payment, not an `authorised` one."""
    shop.fail("take", Refused("cart_changed", "SKU-1001 is not in this cart"))
    shop.fail("return", *[Unavailable("cart: HTTP 503")] * 3)
    failed = client.post("/checkouts", json=CHECKOUT).json()
    assert (failed["status"], failed["reason"], failed["payment"]) == ("failed", "cart_changed", "")
    assert Saga.objects.get(key=KEY).status == Saga.COMPENSATING
