from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Review(models.Model):
    sku = models.CharField(max_length=32, db_index=True)
    #: Who wrote it, as the reviews BFF vouches: what the writing limits count. Never shown;
    #: None for reviews that came with the demo data.
    visitor = models.CharField(max_length=64, null=True, blank=True)
    author = models.CharField(max_length=60)
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    title = models.CharField(max_length=120)
    body = models.TextField(max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["visitor", "created_at"], name="review_visitor_recent")]
        constraints = [
            # NULLs are distinct: the demo reviews, which have no visitor, never collide.
            models.UniqueConstraint(fields=["visitor", "sku"], name="one_review_per_product")
        ]
