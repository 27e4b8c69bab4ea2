"""Settings for a backend stub; `TESSERA_BACKEND` names which one (e.g. `catalog`)."""

from tessera.conf import env_str
from tessera.django_settings import service_settings

BACKEND = env_str("TESSERA_BACKEND", "catalog")

globals().update(
    service_settings(
        BACKEND,
        installed_apps=["django.contrib.contenttypes", f"backends.{BACKEND}"],
        root_urlconf="backends.kit.urls",
    )
)
