from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "backends.catalog"
    label = "catalog"
    verbose_name = "Catalog backend"
