from django.db import models


class Related(models.Model):
    """`related_sku` is recommended next to `sku`, best first by `rank`."""

    sku = models.CharField(max_length=32, db_index=True)
    related_sku = models.CharField(max_length=32)
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["sku", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["sku", "related_sku"], name="unique_related")
        ]
