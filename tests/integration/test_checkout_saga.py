"""Placing orders with real processes on loopback: the checkout saga in the orders service
against the real inventory, payments and cart stubs, driven to every failure point —
a declined card, payments timing out or failing, stock gone between cart and checkout,
the cart changed since it was priced, the capture failing for a while, the orders process
dying after each step and restarted by the supervisor — and the end state of every backend
checked after each: no stock held or leaked, no money held without an order, no order
without its stock or its money captured, the cart intact unless the order was placed (and
then only the bought units out of it). The last unit is sold once, however many shoppers
(and inventory processes) race for it; a visitor's two tabs racing start one checkout, and
buy the cart once, through the shell and the checkout's BFF too.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import httpx
import pytest

from conftest import free_port
from fragments.checkout.fragment import saga_key
from tessera.ops.services import SERVICES, Placed, service_env, stack_env

pytestmark = pytest.mark.integration

GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"
#: An expiry some years ahead of today (payments refuses a card that cannot pay today).
EXPIRY = f"12/{(date.today().year + 4) % 100:02d}"
STEPS = [
    "reserve_stock",
    "authorise_payment",
    "create_order",
    "take_from_cart",
    "confirm_reservation",
    "capture_payment",
]
ADDRESS = {"name": "Ada", "street": "1 Main St", "city": "Utrecht", "postcode": "3511",
           "country": "NL"}  # fmt: skip
#: SKUs each test has to itself (stock is shared by the whole session's stack).
_taken: set[str] = set()


class Shop:
    """The stack's backends, as these tests drive and inspect them."""

    def __init__(self, stack) -> None:
        self.stack = stack
        self.http = httpx.Client(timeout=15)
        self.admin = {"Authorization": f"Bearer {stack.secrets['TESSERA_STUB_ADMIN_TOKEN']}"}

    def url(self, backend: str, path: str) -> str:
        return self.stack.url(backend) + path

    def get(self, backend: str, path: str, **params) -> httpx.Response:
        return self.http.get(self.url(backend, path), params=params)

    def stock(self, sku: str) -> dict:
        return self.get("inventory", f"/stock/{sku}").json()

    def sku_with(self, on_hand: int) -> str:
        """A demo product with `on_hand` units, free of reservations, used by no other test."""
        for number in range(1001, 1061):
            sku = f"SKU-{number}"
            level = self.stock(sku)
            if sku not in _taken and level["on_hand"] == on_hand and level["reserved"] == 0:
                _taken.add(sku)
                return sku
        pytest.fail(f"no product left with {on_hand} in stock")

    def fill_cart(self, visitor: str, lines: dict[str, int]) -> list[dict]:
        for sku, quantity in lines.items():
            added = self.http.post(
                self.url("cart", f"/carts/{visitor}/items"), json={"sku": sku, "quantity": quantity}
            )
            assert added.status_code == 200, added.text
        return self.cart(visitor)

    def cart(self, visitor: str) -> list[dict]:
        return self.get("cart", f"/carts/{visitor}").json()["items"]

    def card(self, number: str = GOOD_CARD) -> str:
        made = self.http.post(
            self.url("payments", "/cards"), json={"number": number, "expiry": EXPIRY, "cvc": "123"}
        )
        assert made.status_code == 200, made.text
        return made.json()["token"]

    def start(self, key: str, visitor: str, lines: dict[str, int], card: str) -> None:
        """POST the checkout; the answer may never come (the orders process may die)."""
        try:
            answer = self.post_checkout(key, visitor, lines, card)
            assert answer.status_code == 200, answer.text
        except httpx.HTTPError:
            pass  # the crash switch: the process died mid-request

    def post_checkout(
        self, key: str, visitor: str, lines: dict[str, int], card: str
    ) -> httpx.Response:
        body = {
            "key": key,
            "visitor": visitor,
            "lines": [
                {"sku": sku, "name": sku, "quantity": quantity, "unit_cents": 1000}
                for sku, quantity in lines.items()
            ],
            "currency": "EUR",
            "delivery": "standard",
            "address": ADDRESS,
            "card": card,
        }
        return self.http.post(self.url("orders", "/checkouts"), json=body)

    def outcome(self, key: str, timeout: float = 40.0) -> dict:
        """How checkout `key` ended, asking until it did (or the orders process is back):
        failed, or completed with its payment settled (no step left: a placed order is
        reported completed while its payment is still being captured)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                state = self.get("orders", f"/checkouts/{key}")
                ended = state.status_code == 200 and state.json()["status"] != "pending"
                if ended and state.json()["step"] == "":
                    return state.json()
            except httpx.HTTPError:
                pass  # restarting
            time.sleep(0.2)
        pytest.fail(f"checkout {key} never ended")

    def state_until(self, key: str, done, timeout: float = 20.0) -> dict:
        """Checkout `key`'s state once `done(state)` holds (asking until it does)."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.get("orders", f"/checkouts/{key}").json()
            if done(state):
                return state
            assert time.monotonic() < deadline, state
            time.sleep(0.2)

    def checkout(self, lines: dict[str, int], card_number: str = GOOD_CARD) -> tuple[str, str]:
        """A visitor with `lines` in the cart starts a checkout: (key, visitor)."""
        key, visitor = f"saga-{uuid.uuid4().hex}", f"visitor-{uuid.uuid4().hex[:16]}"
        self.fill_cart(visitor, lines)
        self.start(key, visitor, lines, self.card(card_number))
        return key, visitor

    def set_faults(self, backend: str, faults: dict) -> None:
        changed = self.http.put(self.url(backend, "/_faults"), json=faults, headers=self.admin)
        assert changed.status_code == 200, changed.text

    def crash_after(self, step: str | None) -> None:
        changed = self.http.put(
            self.url("orders", "/_crash"), json={"after": step}, headers=self.admin
        )
        assert changed.status_code == 200, changed.text

    # -- the end state of every backend ----------------------------------------------------

    def assert_nothing_happened(
        self, key: str, visitor: str, levels: dict[str, dict], cart: list[dict]
    ) -> None:
        """No stock held or sold, no money held, no order, the cart as it was."""
        for sku, level in levels.items():
            assert self.stock(sku) == level, sku
        reservation = self.get("inventory", f"/reservations/{key}")
        assert reservation.status_code == 404 or reservation.json()["status"] == "released"
        payment = self.get("payments", f"/authorisations/{key}")
        assert payment.status_code == 404 or payment.json()["status"] in ("declined", "voided")
        assert self.get("orders", f"/visitors/{visitor}/orders", status="placed").json() == []
        assert self.cart(visitor) == cart

    def assert_sold(
        self, key: str, visitor: str, lines: dict[str, int], levels: dict, left: list | None = None
    ) -> None:
        """The stock sold, the money captured once, one order placed, its units out of the
        cart (`left`: what the cart still holds, nothing by default)."""
        for sku, quantity in lines.items():
            now = self.stock(sku)
            assert now["on_hand"] == levels[sku]["on_hand"] - quantity, sku
            assert now["reserved"] == 0, sku
        assert self.get("inventory", f"/reservations/{key}").json()["status"] == "confirmed"
        payment = self.get("payments", f"/authorisations/{key}").json()
        total = sum(1000 * quantity for quantity in lines.values())
        assert (payment["status"], payment["amount_cents"]) == ("captured", total)
        orders = self.get("orders", f"/visitors/{visitor}/orders").json()
        assert [(o["status"], o["payment"], o["total_cents"]) for o in orders] == [
            ("placed", "captured", total)
        ]
        assert self.cart(visitor) == (left or [])


@pytest.fixture
def shop(stack):
    shop = Shop(stack)
    yield shop
    shop.crash_after(None)
    for backend in ("payments", "inventory", "cart"):
        shop.http.delete(shop.url(backend, "/_faults"), headers=shop.admin)
    shop.http.close()


def _levels(shop: Shop, lines: dict[str, int]) -> dict[str, dict]:
    return {sku: shop.stock(sku) for sku in lines}


def test_a_checkout_sells_the_stock_holds_the_money_and_clears_the_cart(shop):
    lines = {shop.sku_with(12): 2, shop.sku_with(40): 1}
    levels = _levels(shop, lines)
    key, visitor = shop.checkout(lines)
    outcome = shop.outcome(key)
    assert (outcome["status"], outcome["reason"]) == ("completed", "")
    assert outcome["order_number"]
    shop.assert_sold(key, visitor, lines, levels)


def test_a_declined_card_leaves_nothing_behind(shop):
    lines = {shop.sku_with(12): 1}
    levels = _levels(shop, lines)
    key, visitor = shop.checkout(lines, DECLINED_CARD)
    assert shop.outcome(key)["reason"] == "declined"
    shop.assert_nothing_happened(key, visitor, levels, [{"sku": s, "quantity": 1} for s in lines])


@pytest.mark.parametrize(
    "fault",
    [{"hang": True}, {"error_rate": 1.0}],
    ids=["payment-timeout", "payment-5xx"],
)
def test_payments_timing_out_or_failing_leaves_nothing_behind(shop, fault):
    lines = {shop.sku_with(40): 3}
    levels = _levels(shop, lines)
    shop.set_faults("payments", {"/authorisations": fault})
    key, visitor = shop.checkout(lines)
    outcome = shop.outcome(key)
    shop.set_faults("payments", {})
    assert (outcome["status"], outcome["reason"]) == ("failed", "unavailable")
    shop.assert_nothing_happened(key, visitor, levels, [{"sku": s, "quantity": 3} for s in lines])
    # Whatever the timed-out calls did, the key is voided: a late one cannot hold money.
    assert shop.get("payments", f"/authorisations/{key}").json()["status"] == "voided"


def test_stock_gone_between_cart_and_checkout_charges_nothing(shop):
    sku = shop.sku_with(3)
    visitor_cart = {sku: 3}
    # Someone else's checkout holds one of the three while ours is in the cart.
    other = f"saga-{uuid.uuid4().hex}"
    held = shop.http.post(
        shop.url("inventory", "/reservations"),
        json={"key": other, "lines": [{"sku": sku, "quantity": 1}]},
    )
    assert held.status_code == 200
    levels = _levels(shop, visitor_cart)
    key, visitor = shop.checkout(visitor_cart)
    outcome = shop.outcome(key)
    assert (outcome["status"], outcome["reason"]) == ("failed", "out_of_stock")
    assert f"not enough {sku} in stock: 2 available" in outcome["detail"]
    assert shop.get("payments", f"/authorisations/{key}").status_code != 200
    shop.assert_nothing_happened(key, visitor, levels, [{"sku": sku, "quantity": 3}])
    shop.http.post(shop.url("inventory", f"/reservations/{other}/release"))


@pytest.fixture
def crash_counted_alone(stack):
    """Each crash here is one of its own: the supervisor forgets the earlier ones, so that
    five of them in a minute are not taken for a crash loop (which it leaves down)."""
    stack.loop.call_soon_threadsafe(stack.supervisor.histories.pop, "orders", None)


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.usefixtures("crash_counted_alone")
def test_a_crash_after_each_step_is_finished_or_compensated_on_restart(shop, step):
    lines = {shop.sku_with(100): 2}
    levels = _levels(shop, lines)
    shop.crash_after(step)
    key, visitor = shop.checkout(lines)
    outcome = shop.outcome(key)  # the supervisor restarts orders; its sweep resumes the saga
    if STEPS.index(step) < STEPS.index("confirm_reservation"):
        assert (outcome["status"], outcome["reason"]) == ("failed", "interrupted")
        shop.assert_nothing_happened(
            key, visitor, levels, [{"sku": s, "quantity": 2} for s in lines]
        )
    else:
        assert outcome["status"] == "completed"
        shop.assert_sold(key, visitor, lines, levels)


def test_the_last_unit_is_sold_once_to_racing_shoppers(shop):
    sku = shop.sku_with(3)
    levels = _levels(shop, {sku: 1})
    # Two of the three are sold first: one unit is left.
    first, _ = shop.checkout({sku: 2})
    assert shop.outcome(first)["status"] == "completed"
    with ThreadPoolExecutor(6) as pool:  # six shoppers at once
        started = list(pool.map(lambda _: shop.checkout({sku: 1}), range(6)))
    outcomes = [shop.outcome(key)["status"] for key, _ in started]
    assert sorted(outcomes) == ["completed"] + ["failed"] * 5
    assert shop.stock(sku) == {
        "sku": sku,
        "quantity": 0,
        "in_stock": False,
        "on_hand": levels[sku]["on_hand"] - 3,
        "reserved": 0,
    }


@pytest.fixture
def second_inventory(stack):
    """Another inventory process on the same database, as a second replica would be."""
    service = next(s for s in SERVICES if s.name == "inventory")
    placed = Placed(service, "127.0.0.1", free_port())
    env = {
        **os.environ,
        **stack.secrets,
        "TESSERA_DATA_DIR": str(stack.data_dir),
        **service_env(placed, stack_env(stack.stack)),
    }
    process = subprocess.Popen(
        placed.command(), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(placed.url + "/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, "it did not start"
            time.sleep(0.2)
        yield placed.url
    finally:
        process.terminate()
        process.wait(15)


def test_the_last_unit_is_reserved_once_across_inventory_processes(shop, second_inventory):
    sku = shop.sku_with(3)
    held = shop.http.post(
        shop.url("inventory", "/reservations"),
        json={"key": f"saga-{uuid.uuid4().hex}", "lines": [{"sku": sku, "quantity": 2}]},
    )
    assert held.status_code == 200
    bases = [shop.url("inventory", ""), second_inventory] * 5

    def reserve(base: str) -> int:
        body = {"key": f"saga-{uuid.uuid4().hex}", "lines": [{"sku": sku, "quantity": 1}]}
        with httpx.Client(timeout=30) as client:
            return client.post(base + "/reservations", json=body).status_code

    with ThreadPoolExecutor(len(bases)) as pool:
        statuses = list(pool.map(reserve, bases))
    assert sorted(statuses) == [200] + [409] * 9
    assert shop.stock(sku)["quantity"] == 0 and shop.stock(sku)["reserved"] == 3


def test_a_capture_failing_for_a_while_places_the_order_and_takes_the_money_later(shop):
    """Payments out past the point of no return: the order is placed (its number, the
    payment authorised) and the bought units out of the cart at once, and the shopper may
    check out again; the money is taken once payments is back."""
    first_sku, second_sku = shop.sku_with(100), shop.sku_with(100)
    lines, levels = {first_sku: 1}, _levels(shop, {first_sku: 1, second_sku: 1})
    shop.set_faults("payments", {"/captures": {"error_rate": 1.0}})
    key, visitor = shop.checkout(lines)
    state = shop.state_until(key, lambda state: state["status"] != "pending")
    assert (state["status"], state["step"], state["payment"]) == (
        "completed",
        "capture_payment",  # placed, its payment still to be captured
        "authorised",
    )
    assert state["order_number"]
    assert shop.cart(visitor) == []
    assert shop.get("payments", f"/authorisations/{key}").json()["status"] == "authorised"
    assert shop.get("inventory", f"/reservations/{key}").json()["status"] == "confirmed"
    # The shopper is not locked out: the next checkout starts (and is placed, its own
    # capture waiting for payments as well).
    shop.fill_cart(visitor, {second_sku: 1})
    second = f"saga-{uuid.uuid4().hex}"
    started = shop.post_checkout(second, visitor, {second_sku: 1}, shop.card())
    assert started.status_code == 200, started.text
    assert shop.state_until(second, lambda state: state["status"] != "pending")["status"] == (
        "completed"
    )
    shop.set_faults("payments", {})  # payments recovers: the sweep takes the money
    for placed, sku in ((key, first_sku), (second, second_sku)):
        outcome = shop.outcome(placed)
        assert (outcome["status"], outcome["payment"]) == ("completed", "captured")
        payment = shop.get("payments", f"/authorisations/{placed}").json()
        assert (payment["status"], payment["amount_cents"]) == ("captured", 1000)
        assert shop.stock(sku)["on_hand"] == levels[sku]["on_hand"] - 1
    orders = shop.get("orders", f"/visitors/{visitor}/orders").json()
    assert sorted((o["status"], o["payment"]) for o in orders) == [("placed", "captured")] * 2
    assert shop.cart(visitor) == []


def test_only_the_bought_units_leave_the_cart(shop):
    sku = shop.sku_with(100)
    levels = _levels(shop, {sku: 2})
    key, visitor = f"saga-{uuid.uuid4().hex}", f"visitor-{uuid.uuid4().hex[:16]}"
    shop.fill_cart(visitor, {sku: 2})
    # The order is for the two, taken from the cart before the confirmation, which hangs:
    # at the pivot the saga waits there (retried, never compensated) while a third unit
    # goes into the cart (another tab); then inventory answers again and the saga goes on.
    shop.set_faults("inventory", {f"/reservations/{key}/confirm": {"hang": True}})
    shop.start(key, visitor, {sku: 2}, shop.card())
    state = shop.state_until(key, lambda state: state["step"] == "confirm_reservation")
    assert state["status"] == "pending"
    assert shop.cart(visitor) == []  # the two are the order's
    shop.fill_cart(visitor, {sku: 1})
    assert shop.cart(visitor) == [{"sku": sku, "quantity": 1}]
    shop.set_faults("inventory", {})
    assert shop.outcome(key)["status"] == "completed"
    shop.assert_sold(key, visitor, {sku: 2}, levels, left=[{"sku": sku, "quantity": 1}])


def assert_compensated(shop: Shop, key: str, levels: dict[str, dict]) -> None:
    """Checkout `key` sold and held nothing: its stock released, its authorisation voided."""
    for sku, level in levels.items():
        assert shop.stock(sku) == level, sku
    assert shop.get("inventory", f"/reservations/{key}").json()["status"] == "released"
    assert shop.get("payments", f"/authorisations/{key}").json()["status"] == "voided"


def test_a_second_tab_priced_from_the_cart_before_the_first_bought_it_buys_nothing(shop):
    """The first tab's order is placed (and its payment captured): the second, priced from
    the cart as it was (the same lines, its own key), is not under way at the same time as
    the first, so it starts, but the cart no longer holds the units: compensated, nothing
    charged, and the cart as the first left it."""
    sku = shop.sku_with(40)
    lines = {sku: 1}
    levels = _levels(shop, lines)
    first, visitor = shop.checkout(lines)
    assert shop.outcome(first)["status"] == "completed"
    sold = _levels(shop, lines)
    second = f"saga-{uuid.uuid4().hex}"
    shop.start(second, visitor, lines, shop.card())
    outcome = shop.outcome(second)
    assert (outcome["status"], outcome["reason"]) == ("failed", "cart_changed")
    assert outcome["detail"] == f"the cart no longer holds {sku}"
    assert_compensated(shop, second, sold)
    assert shop.stock(sku)["on_hand"] == levels[sku]["on_hand"] - 1  # sold once
    payment = shop.get("payments", f"/authorisations/{first}").json()
    assert (payment["status"], payment["amount_cents"]) == ("captured", 1000)
    orders = shop.get("orders", f"/visitors/{visitor}/orders").json()
    assert sorted(o["status"] for o in orders) == ["cancelled", "placed"]
    assert shop.cart(visitor) == []  # as the first left it


def test_a_line_removed_while_the_checkout_runs_is_not_sold(shop):
    sku, other = shop.sku_with(40), shop.sku_with(40)
    lines = {sku: 1, other: 2}
    levels = _levels(shop, lines)
    key, visitor = f"saga-{uuid.uuid4().hex}", f"visitor-{uuid.uuid4().hex[:16]}"
    shop.fill_cart(visitor, lines)
    # Payments takes its time over the authorisation: the shopper removes a line meanwhile.
    shop.set_faults("payments", {"/authorisations": {"delay_ms": 1500}})
    with ThreadPoolExecutor(1) as pool:
        started = pool.submit(shop.start, key, visitor, lines, shop.card())
        shop.state_until(key, lambda state: state.get("step") == "authorise_payment", timeout=5)
        removed = shop.http.delete(shop.url("cart", f"/carts/{visitor}/items/{sku}"))
        assert removed.status_code == 200
        started.result()
    outcome = shop.outcome(key)
    assert (outcome["status"], outcome["reason"]) == ("failed", "cart_changed")
    assert_compensated(shop, key, levels)
    orders = shop.get("orders", f"/visitors/{visitor}/orders").json()
    assert [o["status"] for o in orders] == ["cancelled"]  # made before the cart's step
    assert shop.cart(visitor) == [{"sku": other, "quantity": 2}]  # as the shopper left it


def test_two_tabs_racing_start_one_checkout(shop):
    sku = shop.sku_with(40)
    visitor = f"visitor-{uuid.uuid4().hex[:16]}"
    shop.fill_cart(visitor, {sku: 1})
    card = shop.card()
    # The confirmation of the reservation hangs: the checkout that gets in stays under way
    # (at the pivot it waits, never compensated) however long the others take to arrive,
    # until every one has been answered and the fault is cleared.
    keys = [f"saga-{uuid.uuid4().hex}" for _ in range(6)]
    shop.set_faults("inventory", {f"/reservations/{key}/confirm": {"hang": True} for key in keys})

    def start(key: str) -> httpx.Response:
        with httpx.Client(timeout=30) as client:
            body = {
                "key": key,
                "visitor": visitor,
                "currency": "EUR",
                "delivery": "standard",
                "address": ADDRESS,
                "card": card,
                "lines": [{"sku": sku, "name": sku, "quantity": 1, "unit_cents": 1000}],
            }
            return client.post(shop.url("orders", "/checkouts"), json=body)  # fmt: skip

    with ThreadPoolExecutor(len(keys)) as pool:
        answers = dict(zip(keys, pool.map(start, keys), strict=True))
    started = [key for key, answer in answers.items() if answer.status_code == 200]
    assert len(started) == 1, {k: (a.status_code, a.text) for k, a in answers.items()}
    (key,) = started
    assert shop.get("orders", f"/checkouts/{key}").json()["status"] == "pending"  # still held
    for other, answer in answers.items():
        if other != key:
            assert answer.status_code == 409
            [refusal] = answer.json()["detail"]
            assert refusal["type"] == "busy"
            assert refusal["msg"].startswith("An order for this cart is already being placed")
            assert shop.get("orders", f"/checkouts/{other}").status_code == 404  # none made
    rejoined = shop.post_checkout(key, visitor, {sku: 1}, card)  # a retry: the same one
    assert rejoined.status_code == 200 and rejoined.json()["key"] == key
    shop.set_faults("inventory", {})
    assert shop.outcome(key)["status"] == "completed"
    orders = shop.get("orders", f"/visitors/{visitor}/orders").json()
    assert len(orders) == 1
    assert shop.cart(visitor) == []


def test_two_tabs_placing_one_cart_through_the_shop_buy_it_once(shop):
    """The tester's repro, through the shell's gateway and the checkout's BFF: one unit in
    the cart, payments slow to make a token of the card (800 ms), two tabs placing the
    order 0.3 s apart, each with its own key and a good card. Both priced the cart before
    either saga began; one order is placed and paid, the other tab is told in words (busy,
    or its cart changed) and charged nothing."""
    sku = shop.sku_with(40)
    levels = _levels(shop, {sku: 1})
    with httpx.Client(base_url=shop.stack.url("shell"), timeout=30) as browser:
        assert browser.get("/checkout").status_code == 200  # the visitor's cookies
        visitor = browser.cookies["tessera_visitor"].split(".")[0]
        csrf = {"X-CSRFToken": browser.cookies["csrftoken"]}
        added = browser.post("/bff/cart/items", json={"sku": sku, "quantity": 1}, headers=csrf)
        assert added.status_code == 200, added.text
        shop.set_faults("payments", {"/cards": {"delay_ms": 800}})
        card = {"number": "4242 4242 4242 4242", "expiry": EXPIRY, "cvc": "123"}

        def place(key: str) -> dict:
            order = {"key": key, "delivery": "standard", "address": ADDRESS, "card": card}
            answer = browser.post("/bff/checkout/orders", json=order, headers=csrf)
            state = answer.json()
            deadline = time.monotonic() + 30
            while answer.status_code == 200 and state["status"] == "pending":
                assert time.monotonic() < deadline, state
                time.sleep(0.2)
                state = browser.get(f"/bff/checkout/orders/{key}").json()
            return {"code": answer.status_code, **state}

        keys = [str(uuid.uuid4()) for _ in range(2)]
        with ThreadPoolExecutor(2) as pool:
            first = pool.submit(place, keys[0])
            time.sleep(0.3)  # the tester's second tab, 0.3 s later (not timing logic here)
            second = pool.submit(place, keys[1])
            answers = [first.result(), second.result()]
    shop.set_faults("payments", {})
    placed = [a for a in answers if a["code"] == 200 and a["status"] == "completed"]
    assert len(placed) == 1, answers
    (other,) = [a for a in answers if a is not placed[0]]
    if other["code"] == 409:  # the first still under way when the second started
        assert other["detail"].startswith("An order for this cart is already being placed")
    else:  # started once the first was placed: the cart no longer held the unit
        assert (other["code"], other["status"], other["reason"]) == (200, "failed", "cart_changed")
        assert other["message"].startswith("Your cart changed while this order was being")
    orders = shop.get("orders", f"/visitors/{visitor}/orders", status="placed").json()
    assert [o["number"] for o in orders] == [placed[0]["order_number"]]
    won, lost = (saga_key(visitor, answer["key"]) for answer in (placed[0], other))
    assert shop.outcome(won)["payment"] == "captured"  # paid once
    lost_payment = shop.get("payments", f"/authorisations/{lost}")
    assert lost_payment.status_code == 404 or lost_payment.json()["status"] == "voided"
    assert shop.stock(sku)["on_hand"] == levels[sku]["on_hand"] - 1
    assert shop.stock(sku)["reserved"] == 0
    assert shop.cart(visitor) == []
