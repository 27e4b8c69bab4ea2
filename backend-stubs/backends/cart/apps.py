from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "backends.cart"
    label = "cart"
    verbose_name = "Cart backend"
