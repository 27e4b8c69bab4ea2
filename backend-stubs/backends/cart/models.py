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
    """Units an order took out of a cart (the checkout saga's last step), under the saga's
    idempotency key: a retried removal finds its key and removes nothing again."""

    key = models.CharField(max_length=64, unique=True)
    visitor = models.CharField(max_length=64)
    lines = models.JSONField()  # {"sku": units asked to remove}
    created_at = models.DateTimeField(auto_now_add=True)
