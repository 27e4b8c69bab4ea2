"""`seed` for the recommendations backend: neighbours in the same category, then others."""

from django.core.management.base import BaseCommand
from django.db import transaction

from backends.kit.demo import demo_skus
from backends.recommendations.models import Related


class Command(BaseCommand):
    help = "Compute demo recommendations (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        products = demo_skus()
        for index, (sku, category) in enumerate(products):
            same = [s for s, c in products if c == category and s != sku]
            other = [products[(index + step * 10) % len(products)][0] for step in (1, 2)]
            ranked = same[index % len(same) :] + same[: index % len(same)]
            for rank, related in enumerate([*ranked[:6], *other]):
                Related.objects.update_or_create(
                    sku=sku, related_sku=related, defaults={"rank": rank}
                )
