from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "backends.payments"
    label = "payments"
    verbose_name = "Payments backend"
