"""Reservations: units held for a checkout, atomically, and released, confirmed or expired.

Available stock is stock on hand less the units active reservations hold. A reservation is
made under its caller's idempotency key: asking again with the same key is answered with
the reservation already made, so a retry after a timeout never holds the units twice. The
check and the hold happen in one transaction that locks the products' stock rows
(`select_for_update`: row locks on PostgreSQL; on SQLite the service's transactions are
IMMEDIATE, so one writer at a time), so the last unit cannot be reserved twice, whatever
runs concurrently.

A reservation nobody confirms or releases expires `TTL` after it was made (an abandoned or
crashed checkout does not keep stock from other shoppers): it then holds nothing and can
no longer be confirmed. Releasing a key never reserved leaves a tombstone, so a reservation
request that arrives after its own compensation (a retried call overtaken by the release)
is refused instead of holding stock nobody will release. Time is read through `now`, which
tests replace.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from backends.inventory.models import Reservation, ReservedLine, Stock
from tessera.runtime.env import env_int

#: How long an unconfirmed reservation holds its units (`INVENTORY_RESERVATION_TTL`, s).
TTL = timedelta(seconds=env_int("INVENTORY_RESERVATION_TTL", 900))

#: The clock every decision here reads; tests put a fake one in its place.
now = timezone.now


class Refused(Exception):
    """The request cannot be granted: `status` (404 or 409) and why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def is_expired(reservation: Reservation, at: datetime) -> bool:
    return reservation.status == Reservation.ACTIVE and reservation.expires_at <= at


def status_of(reservation: Reservation) -> str:
    """active, released, confirmed, or expired (active, but past its time)."""
    return "expired" if is_expired(reservation, now()) else reservation.status


def held(skus: list[str], at: datetime) -> dict[str, int]:
    """Units of each of `skus` that active, unexpired reservations hold at `at`."""
    rows = (
        ReservedLine.objects.filter(
            sku__in=skus,
            reservation__status=Reservation.ACTIVE,
            reservation__expires_at__gt=at,
        )
        .values("sku")
        .annotate(units=Sum("quantity"))
    )
    return {row["sku"]: row["units"] for row in rows}


def available(stock: Stock, at: datetime | None = None) -> int:
    """What can still be sold of `stock`: on hand less what is held (never below zero)."""
    return max(0, stock.quantity - held([stock.sku], at or now()).get(stock.sku, 0))


def reserve(key: str, lines: dict[str, int]) -> Reservation:
    """Hold `lines` (sku -> units) under `key`, all or none; the same reservation again for
    a key already used. Refused (404) for a product not stocked, (409) when not enough is
    available, when the key was released, or when it holds other lines."""
    try:
        return _reserve(key, lines)
    except IntegrityError:  # the same key, reserved concurrently: that one stands
        return _reserve(key, lines)


@transaction.atomic
def _reserve(key: str, lines: dict[str, int]) -> Reservation:
    existing = Reservation.objects.filter(key=key).first()
    if existing is not None:
        if existing.status == Reservation.RELEASED:
            raise Refused(409, f"reservation {key} was released")
        if {line.sku: line.quantity for line in existing.lines.all()} != lines:
            raise Refused(409, f"reservation {key} already holds other lines")
        return existing
    at = now()
    # Lock the rows in one order, so two reservations of the same products cannot deadlock.
    stocks = {
        s.sku: s
        for s in Stock.objects.select_for_update().filter(sku__in=list(lines)).order_by("sku")
    }
    holding = held(list(lines), at)
    for sku, units in sorted(lines.items()):
        if sku not in stocks:
            raise Refused(404, f"{sku} is not stocked")
        left = stocks[sku].quantity - holding.get(sku, 0)
        if left < units:
            raise Refused(409, f"not enough {sku} in stock: {max(0, left)} available")
    reservation = Reservation.objects.create(key=key, created_at=at, expires_at=at + TTL)
    ReservedLine.objects.bulk_create(
        ReservedLine(reservation=reservation, sku=sku, quantity=units)
        for sku, units in sorted(lines.items())
    )
    return reservation


@transaction.atomic
def release(key: str) -> Reservation:
    """Give the units held under `key` back (nothing to do if released or expired; a
    tombstone if never reserved). Refused (409) once confirmed: a sale is not released."""
    at = now()
    reservation, _ = Reservation.objects.select_for_update().get_or_create(
        key=key,
        defaults={"status": Reservation.RELEASED, "created_at": at, "expires_at": at},
    )
    if reservation.status == Reservation.CONFIRMED:
        raise Refused(409, f"reservation {key} is confirmed: it was sold")
    if reservation.status == Reservation.ACTIVE:
        reservation.status = Reservation.RELEASED
        reservation.save(update_fields=["status"])
    return reservation


@transaction.atomic
def confirm(key: str) -> Reservation:
    """Make the units held under `key` a sale: the stock on hand goes down by them. Once
    confirmed, again is a no-op. Refused (404) for an unknown key, (409) when released or
    expired."""
    reservation = Reservation.objects.select_for_update().filter(key=key).first()
    if reservation is None:
        raise Refused(404, f"there is no reservation {key}")
    if reservation.status == Reservation.CONFIRMED:
        return reservation
    if reservation.status == Reservation.RELEASED:
        raise Refused(409, f"reservation {key} was released")
    if is_expired(reservation, now()):
        raise Refused(409, f"reservation {key} expired")
    for line in reservation.lines.all():
        sold = Stock.objects.filter(sku=line.sku, quantity__gte=line.quantity).update(
            quantity=F("quantity") - line.quantity
        )
        if not sold:  # stock on hand was lowered under the hold by other means
            raise Refused(409, f"{line.sku} is no longer in stock")
    reservation.status = Reservation.CONFIRMED
    reservation.save(update_fields=["status"])
    return reservation
