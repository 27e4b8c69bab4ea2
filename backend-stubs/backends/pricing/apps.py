from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "backends.pricing"
    label = "pricing"
    verbose_name = "Pricing backend"
