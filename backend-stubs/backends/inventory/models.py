"""Stock on hand, and reservations holding some of it for a checkout in progress.

Available stock is what is on hand less what active reservations hold; a reservation is
active until it is released, confirmed (it becomes a sale: the stock on hand goes down) or
its time runs out (backends/inventory/reservations.py).
"""

from django.db import models


class Stock(models.Model):
    sku = models.CharField(max_length=32, unique=True)
    quantity = models.PositiveIntegerField()


class Reservation(models.Model):
    """Units held for one caller's idempotency key (a checkout saga's), all lines or none."""

    ACTIVE = "active"
    RELEASED = "released"
    CONFIRMED = "confirmed"
    STATUSES = [(ACTIVE, "active"), (RELEASED, "released"), (CONFIRMED, "confirmed")]

    key = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=STATUSES, default=ACTIVE)
    created_at = models.DateTimeField()
    #: An active reservation past this holds nothing (it expired); it can no longer be
    #: confirmed, only released.
    expires_at = models.DateTimeField(db_index=True)


class ReservedLine(models.Model):
    reservation = models.ForeignKey(Reservation, on_delete=models.CASCADE, related_name="lines")
    sku = models.CharField(max_length=32, db_index=True)
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["reservation", "sku"], name="one_line_per_sku_held")
        ]
