from django.apps import AppConfig


class OpsConfig(AppConfig):
    """The operator's commands (`up`, `deploy`, `rollback`, `k8s`) as a Django app."""

    name = "tessera.ops"
    label = "ops"
    verbose_name = "Tessera operations"
