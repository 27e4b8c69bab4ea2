"""The product catalog: what is sold, in which category, described how."""

from django.db import models


class Category(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    #: A Lucide icon name (the `lucide` package's) for the category's entry point.
    icon = models.CharField(max_length=64, blank=True, default="")
    #: Its name in the catalog's other languages: {"ko": {"name": "주방"}}.
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    sku = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    description = models.TextField()
    attributes = models.JSONField(default=dict)
    image_svg = models.TextField()
    #: Name, description and attributes in the catalog's other languages, the fields above
    #: being English: {"ko": {"name": ..., "description": ..., "attributes": {...}}}.
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["sku"]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"
