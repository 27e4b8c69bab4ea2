"""`seed` for the inventory backend: deterministic stock, some products sold out."""

import random

from django.core.management.base import BaseCommand
from django.db import transaction

from backends.inventory.models import Stock
from backends.kit.demo import demo_skus


class Command(BaseCommand):
    help = "Load demo stock levels (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        rng = random.Random(11)
        for sku, _ in demo_skus():
            Stock.objects.update_or_create(
                sku=sku, defaults={"quantity": rng.choice([0, 3, 12, 40, 100])}
            )
