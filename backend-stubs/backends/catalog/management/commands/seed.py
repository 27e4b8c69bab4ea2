"""`seed` for the catalog backend: the demo categories and products (idempotent)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from backends.catalog.catalog import CATEGORIES, demo_products
from backends.catalog.models import Category, Product


class Command(BaseCommand):
    help = "Load the demo catalog; existing products are updated, none are duplicated."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        categories = {}
        for slug, category in CATEGORIES.items():
            categories[slug], _ = Category.objects.update_or_create(
                slug=slug,
                defaults={
                    "name": category.name,
                    "icon": category.icon,
                    "translations": category.translations(slug),
                },
            )
        for demo in demo_products():
            Product.objects.update_or_create(
                sku=demo.sku,
                defaults={
                    "name": demo.name,
                    "category": categories[demo.category],
                    "description": demo.description,
                    "attributes": demo.attributes,
                    "image_svg": demo.image_svg,
                    "translations": demo.translations,
                },
            )
