from django.db import models


class Price(models.Model):
    """What a product costs now, what it usually costs, and whether it is a deal."""

    sku = models.CharField(max_length=32, unique=True)
    price_cents = models.PositiveIntegerField()
    list_price_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="EUR")

    @property
    def deal(self) -> bool:
        return self.price_cents < self.list_price_cents
