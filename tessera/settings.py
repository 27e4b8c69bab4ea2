"""Settings for `manage.py` itself: the operations commands (`up`, ...), no database."""

from tessera.django_settings import service_settings

globals().update(
    service_settings(
        "tessera",
        installed_apps=["tessera"],
        root_urlconf="tessera.settings",
        database=False,
    )
)
urlpatterns: list = []
