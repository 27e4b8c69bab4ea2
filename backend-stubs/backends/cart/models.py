from django.db import models


class CartItem(models.Model):
    """One line of a visitor's cart. A cart is its visitor's items; it needs no row of its own."""

    visitor = models.CharField(max_length=64, db_index=True)
    sku = models.CharField(max_length=32)
    quantity = models.PositiveSmallIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["visitor", "sku"], name="one_line_per_sku")]


class Removal(models.Model):
    """Units a checkout took out of a cart (the checkout saga's step before its point of no
    return), under the saga's idempotency key: a retried take finds its key and takes
    nothing again. Undoing it (the saga's compensation) puts them back once and leaves the
    row `returned`; undoing a key never taken leaves such a row too, a tombstone, so a take
    that arrives after its own compensation (a retried call overtaken by it) is refused."""

    TAKEN = "taken"
    RETURNED = "returned"
    STATUSES = [(TAKEN, "taken"), (RETURNED, "returned")]

    key = models.CharField(max_length=64, unique=True)
    visitor = models.CharField(max_length=64)
    lines = models.JSONField()  # {"sku": units taken}; {} for a tombstone
    status = models.CharField(max_length=16, choices=STATUSES, default=TAKEN)
    #: When each line the take emptied (and so deleted) had been added: put back, it keeps
    #: its place in the cart. {"sku": ISO datetime}
    emptied = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
