"""Orders, and the checkout sagas that make them (backends/orders/saga.py).

A saga's row is its whole state: what it is for (lines, amount, address, card token), which
step it is at and whether it goes forward or compensates. It is written before each step
is attempted and after each one succeeds, so a process that dies mid-saga leaves enough to
finish or undo it when the service starts again.
"""

from django.db import models


class Saga(models.Model):
    RUNNING = "running"  # going forward: `step` is the step being attempted
    COMPENSATING = "compensating"  # undoing: `step` is the next step to compensate
    COMPLETED = "completed"
    FAILED = "failed"  # compensated: nothing of it is left in any service
    STATUSES = [
        (RUNNING, "running"),
        (COMPENSATING, "compensating"),
        (COMPLETED, "completed"),
        (FAILED, "failed"),
    ]

    key = models.CharField(max_length=64, unique=True)
    visitor = models.CharField(max_length=64, db_index=True)
    lines = models.JSONField()  # [{"sku", "name", "quantity", "unit_cents"}]
    currency = models.CharField(max_length=3)
    delivery = models.CharField(max_length=16)
    delivery_cents = models.PositiveIntegerField()
    total_cents = models.PositiveBigIntegerField()
    address = models.JSONField()
    card = models.CharField(max_length=40)  # the payment backend's token, never a number
    status = models.CharField(max_length=16, choices=STATUSES, default=RUNNING, db_index=True)
    step = models.IntegerField(default=0)
    reason = models.CharField(max_length=32, blank=True)  # why it failed, for the shopper
    detail = models.CharField(max_length=300, blank=True)
    last_error = models.CharField(max_length=300, blank=True)  # the latest retryable failure
    order_number = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class Order(models.Model):
    PLACED = "placed"
    CANCELLED = "cancelled"
    STATUSES = [(PLACED, "placed"), (CANCELLED, "cancelled")]

    number = models.CharField(max_length=16, unique=True)
    saga_key = models.CharField(max_length=64, unique=True)  # the idempotency key
    visitor = models.CharField(max_length=64, db_index=True)
    lines = models.JSONField()
    currency = models.CharField(max_length=3)
    delivery = models.CharField(max_length=16)
    delivery_cents = models.PositiveIntegerField()
    total_cents = models.PositiveBigIntegerField()
    address = models.JSONField()
    status = models.CharField(max_length=16, choices=STATUSES, default=PLACED)
    created_at = models.DateTimeField(auto_now_add=True)
