"""Settings for a backend stub; `TESSERA_BACKEND` names which one (e.g. `catalog`)."""

from tessera.runtime.django_defaults import DOCS_TEMPLATES, service_settings
from tessera.runtime.env import env_str

BACKEND = env_str("TESSERA_BACKEND", "catalog")

globals().update(
    service_settings(
        BACKEND,
        installed_apps=[
            "django.contrib.contenttypes",
            # The docs page at /docs: ninja's template and its Swagger UI assets (no CDN).
            "django.contrib.staticfiles",
            "ninja",
            f"backends.{BACKEND}",
        ],
        root_urlconf="backends.kit.urls",
        middleware=[
            "django.middleware.security.SecurityMiddleware",
            "whitenoise.middleware.WhiteNoiseMiddleware",
            "django.middleware.common.CommonMiddleware",
        ],
    )
)

TEMPLATES = DOCS_TEMPLATES
# The docs' assets are served straight from the installed apps: a stub has no collectstatic
# step (neither in `up` nor in its container image) and nothing else static.
STATIC_URL = "/static/"
WHITENOISE_USE_FINDERS = True
