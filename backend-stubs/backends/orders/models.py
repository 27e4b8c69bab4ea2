"""Orders, and the checkout sagas that make them (backends/orders/saga.py).

A saga's row is its whole state: what it is for (lines, amount, address, card token), which
step it is at and whether it goes forward or compensates. It is written before each step
is attempted and after each one succeeds, so a process that dies mid-saga leaves enough to
finish or undo it when the service starts again.

A visitor has at most one checkout under way (a saga running): the database holds that, by
a unique index on the visitor of those sagas only, so two tabs starting two checkouts at
once cannot both get in, whatever runs concurrently. A saga that is settling (its order
placed and the bought units out of the cart, only the capture of the payment left, which
may wait for payments for a long time) no longer holds that place: the shopper may place
the next order meanwhile. Nor does one that is compensating: it will not be placed, its
shopper is told so at once, and undoing it may wait for a participant that is down (an
inventory outage held every next checkout of the visitor for minutes).
"""

from django.db import models
from django.db.models import Q


class Saga(models.Model):
    RUNNING = "running"  # going forward: `step` is the step being attempted
    COMPENSATING = "compensating"  # undoing: `step` is the next step to compensate
    #: Placed and out of the cart; what is left (`step`: capturing the payment) is the
    #: shop's business with payments, retried until done, not the shopper's.
    SETTLING = "settling"
    COMPLETED = "completed"
    FAILED = "failed"  # compensated: nothing of it is left in any service
    STATUSES = [
        (RUNNING, "running"),
        (COMPENSATING, "compensating"),
        (SETTLING, "settling"),
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

    #: A checkout under way: the shopper waits for it (pending), and it holds the visitor's
    #: one checkout (the unique index below names the same statuses, spelled out, so that a
    #: status added here cannot change the index without a migration saying so).
    UNDER_WAY = (RUNNING,)
    #: What the runner's sweep takes up: every saga with a step (or compensation) left.
    UNFINISHED = (RUNNING, COMPENSATING, SETTLING)

    class Meta:
        constraints = [
            # One checkout at a time per visitor (their cart): a second start while one is
            # under way is refused (backends/orders/api.py), enforced here, not by a check.
            # Not while settling (that order is placed and its units are out of the cart),
            # nor compensating (that one will not be placed).
            models.UniqueConstraint(
                fields=["visitor"],
                condition=Q(status__in=["running"]),
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
