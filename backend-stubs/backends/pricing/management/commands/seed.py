"""`seed` for the pricing backend: a deterministic price for every demo product."""

import random

from django.core.management.base import BaseCommand
from django.db import transaction

from backends.kit.demo import demo_skus
from backends.pricing.models import Price


class Command(BaseCommand):
    help = "Load demo prices (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        rng = random.Random(7)
        for sku, _ in demo_skus():
            list_price = rng.randrange(900, 25_000, 100) - 1
            discount = rng.choice([0, 0, 0, 10, 20, 30])
            price = list_price - list_price * discount // 100
            Price.objects.update_or_create(
                sku=sku, defaults={"price_cents": price, "list_price_cents": list_price}
            )
