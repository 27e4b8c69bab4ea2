"""`seed` for the reviews backend: a few deterministic reviews per demo product."""

import random

from django.core.management.base import BaseCommand
from django.db import transaction

from backends.kit.demo import demo_skus
from backends.reviews.models import Review

AUTHORS = ["Ada", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances"]
TITLES = {
    5: ["Love it", "Exactly as described", "Would buy again"],
    4: ["Very good", "Solid choice", "Happy with it"],
    3: ["It's fine", "Does the job", "Okay for the price"],
    2: ["Not great", "Expected more"],
    1: ["Disappointed", "Broke quickly"],
}


class Command(BaseCommand):
    help = "Load demo reviews once (products that already have reviews are left alone)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        rng = random.Random(3)
        for sku, _ in demo_skus():
            if Review.objects.filter(sku=sku).exists():
                continue
            for _ in range(rng.randint(0, 5)):
                rating = rng.choice([5, 5, 4, 4, 4, 3, 2, 1])
                Review.objects.create(
                    sku=sku,
                    author=rng.choice(AUTHORS),
                    rating=rating,
                    title=rng.choice(TITLES[rating]),
                    body="Bought it a month ago and have used it almost every day since.",
                )
