"""Settings for `manage.py` itself: the operations commands (`up`, ...), no database."""

from tessera.runtime.django_defaults import service_settings

globals().update(
    service_settings(
        "tessera",
        installed_apps=["tessera.ops"],
        root_urlconf="tessera.ops.settings",
        database=False,
    )
)
urlpatterns: list = []
