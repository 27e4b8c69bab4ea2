"""`seed` for the inventory backend: deterministic stock, some products sold out.

Only products not stocked yet get their demo level: what is there (sold, reserved against,
restocked) is kept, so seeding again (each start of the service, in the cluster each start
of its pod, on a persistent volume) never gives back units already sold.
"""

import random

from django.core.management.base import BaseCommand
from django.db import transaction

from backends.inventory.models import Stock
from backends.kit.demo import demo_skus


class Command(BaseCommand):
    help = "Load demo stock levels for products not stocked yet (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        rng = random.Random(11)
        for sku, _ in demo_skus():
            # Drawn for every product, so each keeps its level whatever else is stocked.
            quantity = rng.choice([0, 3, 12, 40, 100])
            Stock.objects.get_or_create(sku=sku, defaults={"quantity": quantity})
