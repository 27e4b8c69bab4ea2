from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "backends.inventory"
    label = "inventory"
    verbose_name = "Inventory backend"
