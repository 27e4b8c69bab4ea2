from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "Fragment registry"

    def ready(self) -> None:
        from registry import audit

        audit.connect()
