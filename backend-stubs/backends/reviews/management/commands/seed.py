"""`seed` for the reviews backend: the demo reviews (backends/reviews/demo.py).

The demo reviews (those no visitor wrote) are replaced by the current demo set, dated back
from now; reviews visitors wrote are left alone. Seeding again gives the same set.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from backends.reviews.demo import demo_reviews
from backends.reviews.models import Review


class Command(BaseCommand):
    help = "Load the demo reviews, replacing earlier demo reviews; visitors' reviews stay."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        Review.objects.filter(visitor__isnull=True).delete()
        reviews = list(demo_reviews(timezone.now()))
        created = Review.objects.bulk_create(
            Review(sku=r.sku, author=r.author, rating=r.rating, title=r.title, body=r.body)
            for r in reviews
        )
        # `created_at` is auto_now_add, which any insert overwrites: date them afterwards.
        for row, review in zip(created, reviews, strict=True):
            row.created_at = review.created_at
        Review.objects.bulk_update(created, ["created_at"])
