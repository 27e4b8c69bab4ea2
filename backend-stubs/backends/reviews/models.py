from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Review(models.Model):
    sku = models.CharField(max_length=32, db_index=True)
    author = models.CharField(max_length=60)
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    title = models.CharField(max_length=120)
    body = models.TextField(max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
