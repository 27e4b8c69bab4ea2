"""Placing an order: a saga orchestrated by the orders service.

Why here, and not in the checkout fragment's BFF: the saga's state has to outlive the
process running it (a crash mid-saga is finished or undone when the service starts again),
so its orchestrator needs a database and a start-up of its own, and fragment services have
neither: they are stateless, run in several replicas and may be redeployed at any moment.
The orders service owns the order, so the step that creates it is a local transaction in
the same database as the saga's state. The BFF only starts a saga (under an idempotency
key) and reports how it ends.

Steps, each with the compensation that undoes it when a later step fails:

| step | service | compensation |
|---|---|---|
| reserve stock | inventory | release the reservation |
| authorise payment | payments | void the authorisation |
| create order | orders (local) | cancel the order |
| take the bought units from the cart | cart | put them back |
| confirm reservation | inventory | none: the point of no return |
| capture payment | payments | none: retried until done (the saga is `settling`) |

Every call carries the saga's key, and every participant answers a repeated call with what
it did the first time, so a step (or a compensation) may be retried freely; a compensation
of a step that never took effect is harmless too (and leaves a tombstone, so the step
cannot take effect after it). A step that fails with no answer is retried a few times; a
refusal is final. A failure before the point of no return compensates every step up to
and including the failed one (a timed-out step may have happened), in reverse order.

The lines a saga is started with were priced from the cart a moment before, and the cart
may have changed since (a line removed, or its units bought by the visitor's checkout in
another tab); so a saga sells only the units the cart still holds when it takes them. The
take is strict: every line or none, each taken by a conditional update in one transaction
of the cart's, so of two sagas racing for the same units exactly one has them, and the
other is refused (`cart_changed`) and compensated: its stock released, its authorisation
voided, its order cancelled, and the cart left as the other left it (its own compensation
only leaves a tombstone). Units taken go back to the cart when a later step fails. Only
the units bought are taken: a unit the shopper added meanwhile stays.

Confirming the reservation is the pivot: once confirmed the sale happened, and the saga
only goes forward; if confirmation is refused (the reservation expired) it compensates,
the units taken going back to the cart. Past it the money held is captured (the order then
says `captured`; a captured payment can no longer be voided, and refunds are not part of
this demo). Once confirmed, the order is the shopper's and out of the cart: the saga is
`settling`. It is reported placed (completed, with its number, the payment `authorised`
until captured), and it no longer holds the visitor's one checkout, so a payments outage
that holds the capture for hours neither hides the order nor keeps the shopper from the
next one; the sweep goes on capturing it. A checkout the shopper starts meanwhile from a
page priced before (another tab) cannot sell those units again: the cart no longer holds
them.

A step past the pivot that cannot be done now (or the pivot itself) is not compensated:
the saga stays running (or settling) at that step and is tried again by the runner's
sweep, after a wait that doubles with every run that found it still unavailable
(`retry_base` up to `retry_max` seconds, kept in the row as `retries` and `retry_at`, so a
restart keeps the pace), until it is done. A compensation that cannot run now waits the
same way; meanwhile the saga is failed as far as its shopper goes (reported `failed` with
its reason at once: it will not be placed) and no longer holds the visitor's one checkout,
so an outage that holds a release for minutes does not hold the shopper's next order. A
refusal past the pivot cannot be undone either: it is logged and recorded (a refused
capture leaves the order's payment `refused`, for people to settle) and the saga goes on.

The saga's row is saved before each step and after it, so a restart knows where each saga
was (`recover`): one stopped before the pivot is compensated (its shopper has long been
told something went wrong or is still waiting, and nothing is kept that was not paid for:
units taken from the cart go back to it), one at the pivot asks inventory again whether
the reservation is confirmed, one past it (settling) is finished. Crash points for tests:
`crash(step)` is called after each step took effect and before the saga records it, the
worst moment to die.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from backends.orders.models import Order, Saga
from backends.orders.participants import Participants, Refused, Unavailable
from tessera.runtime.env import env_float

logger = logging.getLogger("tessera.orders.saga")

#: What `recover` tells the shopper of a saga a restart compensated.
INTERRUPTED = "the checkout was interrupted"
#: The most times the wait between runs doubles: far past any `retry_max` over
#: `retry_base` (2 ** 64), far below what a float holds (2 ** 1023).
MAX_DOUBLINGS = 64


@dataclass(frozen=True)
class Step:
    name: str
    action: Callable[[Participants, Saga], None]
    compensation: Callable[[Participants, Saga], None] | None = None
    #: What the orders database records of the step once done, in the transaction that
    #: saves the saga's row past it (so the two never disagree).
    done: Callable[[Saga], None] | None = None
    #: What it records when a participant refused the step past the pivot.
    refused: Callable[[Saga], None] | None = None


def create_order(saga: Saga) -> Order:
    """The saga's order (made once: its key is the order's idempotency key)."""
    order, _ = Order.objects.get_or_create(
        saga_key=saga.key,
        defaults={
            "number": f"T{secrets.randbelow(10**8):08d}",
            "visitor": saga.visitor,
            "lines": saga.lines,
            "currency": saga.currency,
            "delivery": saga.delivery,
            "delivery_cents": saga.delivery_cents,
            "total_cents": saga.total_cents,
            "address": saga.address,
        },
    )
    return order


def cancel_order(saga: Saga) -> None:
    """Cancel the saga's order, if it was made (idempotent)."""
    Order.objects.filter(saga_key=saga.key).update(status=Order.CANCELLED)


def _create_order(participants: Participants, saga: Saga) -> None:
    saga.order_number = create_order(saga).number


def _payment(status: str) -> Callable[[Saga], None]:
    def record(saga: Saga) -> None:
        Order.objects.filter(saga_key=saga.key).update(payment=status)

    return record


STEPS: tuple[Step, ...] = (
    Step(
        "reserve_stock",
        lambda p, s: p.reserve(s.key, s.lines),
        lambda p, s: p.release(s.key),
    ),
    Step(
        "authorise_payment",
        lambda p, s: p.authorise(s.key, s.card, s.total_cents, s.currency),
        lambda p, s: p.void(s.key),
    ),
    Step("create_order", _create_order, lambda p, s: cancel_order(s)),
    Step(
        "take_from_cart",
        lambda p, s: p.take_from_cart(s.key, s.visitor, s.lines),
        lambda p, s: p.return_to_cart(s.key, s.visitor),
    ),
    Step("confirm_reservation", lambda p, s: p.confirm(s.key)),
    Step(
        "capture_payment",
        lambda p, s: p.capture(s.key),
        done=_payment(Order.CAPTURED),
        refused=_payment(Order.REFUSED),
    ),
)
STEP_NAMES = tuple(step.name for step in STEPS)
#: The step after which the saga never compensates.
PIVOT = STEP_NAMES.index("confirm_reservation")
#: The first step of settling: past the pivot the order is placed (and out of the cart, its
#: units taken before it), and the saga no longer holds the visitor's one checkout
#: (`Saga.SETTLING`).
SETTLES = PIVOT + 1


def step_name(saga: Saga) -> str:
    return STEP_NAMES[saga.step] if 0 <= saga.step < len(STEPS) else ""


class Orchestrator:
    """Runs sagas step by step, retrying what may pass and compensating what cannot.

    `attempts` bounds the tries of one step or compensation within one run, `backoff` the
    pauses between them; what is still unavailable after them stays for a later run (the
    runner's sweep, or a restart), not before `retry_base` seconds, doubled for each run
    after the first that found it unavailable, at most `retry_max` (read through `now`).
    """

    def __init__(
        self,
        participants: Participants,
        *,
        attempts: int = 3,
        backoff: Sequence[float] = (0.2, 0.5),
        sleep: Callable[[float], None] = time.sleep,
        crash: Callable[[str], None] = lambda step: None,
        now: Callable[[], datetime] = timezone.now,
        retry_base: float | None = None,
        retry_max: float | None = None,
    ) -> None:
        self.participants = participants
        self.attempts = attempts
        self.backoff = backoff
        self.sleep = sleep
        self.crash = crash
        self.now = now
        self.retry_base = retry_base or env_float("ORDERS_RETRY_BASE", 5.0)
        self.retry_max = retry_max or env_float("ORDERS_RETRY_MAX", 300.0)

    def retry_delay(self, retries: int) -> float:
        """Seconds to wait before the next run of a saga `retries` runs found unavailable.

        The exponent is bounded: 2 ** 1024 is more than a float holds, and a saga still
        waiting after that many runs (3.5 days at 300 s) must wait `retry_max`, not fail to
        record its wait (and be retried at every sweep).
        """
        doublings = min(max(0, retries - 1), MAX_DOUBLINGS)
        return min(self.retry_max, self.retry_base * 2.0**doublings)

    def run(self, key: str) -> Saga:
        """Take the saga `key` as far as it can go now: completed, failed (compensated), or
        left running, settling or compensating while a participant is unavailable."""
        saga = Saga.objects.get(key=key)
        if saga.status in (Saga.RUNNING, Saga.SETTLING):
            self._forward(saga)
        if saga.status == Saga.COMPENSATING:
            self._compensate(saga)
        return saga

    def recover(self, key: str) -> Saga:
        """Resume the saga `key` left unfinished by an earlier process: compensate it if it
        stopped before the pivot, else finish it."""
        saga = Saga.objects.get(key=key)
        if saga.status == Saga.RUNNING and saga.step < PIVOT:
            logger.info("saga %s: interrupted at %s, compensating", key, step_name(saga))
            self._fail(saga, "interrupted", INTERRUPTED)
        return self.run(key)

    def _forward(self, saga: Saga) -> None:
        while saga.status in (Saga.RUNNING, Saga.SETTLING) and saga.step < len(STEPS):
            step = STEPS[saga.step]
            try:
                self._attempt(lambda step=step: step.action(self.participants, saga))
            except Refused as exc:
                if saga.step > PIVOT:  # sold: what is left is done as well as it can be
                    logger.error("saga %s: %s refused: %s", saga.key, step.name, exc.detail)
                    saga.last_error = f"{step.name}: {exc.detail}"[:300]
                    self._advance(saga, step.refused, "refused (recorded)")
                    continue
                self._fail(saga, exc.reason, exc.detail)
                return
            except Unavailable as exc:
                if saga.step >= PIVOT:  # whether it happened is not known: ask again later
                    self._later(saga, f"{step.name}: {exc}")
                    return
                saga.last_error = f"{step.name}: {exc}"[:300]
                self._fail(saga, "unavailable", f"{step.name.replace('_', ' ')}: {exc}")
                return
            self.crash(step.name)
            self._advance(saga, step.done)

    def _advance(
        self, saga: Saga, record: Callable[[Saga], None] | None, outcome: str = "done"
    ) -> None:
        """Save `saga` past its current step, with what the step leaves in this database
        (`outcome`: how the step ended, for the log)."""
        name = step_name(saga)
        saga.step += 1
        if saga.step == len(STEPS):
            saga.status = Saga.COMPLETED
        elif saga.step >= SETTLES:
            saga.status = Saga.SETTLING
        saga.retries, saga.retry_at = 0, None
        with transaction.atomic():
            if record is not None:
                record(saga)
            saga.save()
        logger.info("saga %s: %s %s", saga.key, name, outcome)

    def _later(self, saga: Saga, error: str) -> None:
        """Leave `saga` for a later run, after a wait that grows with each such run."""
        saga.last_error = error[:300]
        saga.retries += 1
        delay = self.retry_delay(saga.retries)
        saga.retry_at = self.now() + timedelta(seconds=delay)
        saga.save(update_fields=["last_error", "retries", "retry_at", "updated_at"])
        logger.warning("saga %s: %s; trying again in %.0f s", saga.key, error, delay)

    def _fail(self, saga: Saga, reason: str, detail: str) -> None:
        """Turn `saga` round: from its current step back, everything is undone."""
        saga.status = Saga.COMPENSATING
        saga.reason = reason
        saga.detail = detail[:300]
        saga.retries, saga.retry_at = 0, None
        saga.save()
        logger.info("saga %s: %s at %s (%s)", saga.key, reason, step_name(saga), detail)

    def _compensate(self, saga: Saga) -> None:
        while saga.step >= 0:
            undo = STEPS[saga.step].compensation
            if undo is not None:
                try:
                    self._attempt(lambda undo=undo: undo(self.participants, saga))
                except Unavailable as exc:
                    self._later(saga, f"undo {step_name(saga)}: {exc}")
                    return
                except Refused as exc:  # nothing this saga can undo (already final)
                    logger.error("saga %s: undo %s refused: %s", saga.key, step_name(saga), exc)
            saga.step -= 1
            saga.retries, saga.retry_at = 0, None
            saga.save(update_fields=["step", "retries", "retry_at", "updated_at"])
        saga.status = Saga.FAILED
        saga.save(update_fields=["status", "updated_at"])
        logger.info("saga %s: compensated", saga.key)

    def _attempt(self, call: Callable[[], None]) -> None:
        """`call`, tried up to `attempts` times while it is Unavailable."""
        for attempt in range(self.attempts):
            try:
                call()
                return
            except Unavailable:
                if attempt + 1 == self.attempts:
                    raise
                self.sleep(self.backoff[min(attempt, len(self.backoff) - 1)])
