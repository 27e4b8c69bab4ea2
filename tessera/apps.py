from django.apps import AppConfig


class TesseraConfig(AppConfig):
    name = "tessera"
    verbose_name = "Tessera operations"
