"""Orders, and the checkout sagas that make them (backends/orders/saga.py).

A saga's row is its whole state: what it is for (lines, amount, address, card token), which
step it is at and whether it goes forward or compensates. It is written before each step
is attempted and after each one succeeds, so a process that dies mid-saga leaves enough to
finish or undo it when the service starts again.

A visitor has at most one unfinished saga (running or compensating): the database holds
that, by a unique index on the visitor of unfinished sagas only, so two tabs starting two
checkouts at once cannot both get in, whatever runs concurrently.
"""

from django.db import models
from django.db.models import Q


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
    #: Runs that left the current step (or compensation) unavailable, one after another:
    #: the sweep waits longer after each (backoff), and not before `retry_at`.
    retries = models.PositiveIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    UNFINISHED = (RUNNING, COMPENSATING)

    class Meta:
        constraints = [
            # One checkout at a time per visitor (their cart): a second start while one is
            # under way is refused (backends/orders/api.py), enforced here, not by a check.
            models.UniqueConstraint(
                fields=["visitor"],
                condition=Q(status__in=["running", "compensating"]),
                name="one_unfinished_saga_per_visitor",
            )
        ]


class Order(models.Model):
    PLACED = "placed"
    CANCELLED = "cancelled"
    STATUSES = [(PLACED, "placed"), (CANCELLED, "cancelled")]
    #: The payment: held when the order is made, taken once the sale is final (the saga's
    #: capture step); `refused` when payments would not capture it (left to people: no
    #: refunds or re-collection in this demo).
    AUTHORISED = "authorised"
    CAPTURED = "captured"
    REFUSED = "refused"
    PAYMENTS = [(AUTHORISED, "authorised"), (CAPTURED, "captured"), (REFUSED, "refused")]

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
    payment = models.CharField(max_length=16, choices=PAYMENTS, default=AUTHORISED)
    created_at = models.DateTimeField(auto_now_add=True)
