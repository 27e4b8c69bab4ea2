"""Settings for a fragment service; `TESSERA_FRAGMENT` names which fragment it serves."""

from fragments.kit.locale import DEFAULT, LANGUAGES
from tessera.runtime.django_defaults import DOCS_TEMPLATES, service_settings
from tessera.runtime.env import REPO_ROOT, env_str, static_root
from tessera.runtime.secrets import secret

FRAGMENT = env_str("TESSERA_FRAGMENT", "hero")
FRAGMENT_VERSION = env_str("TESSERA_VERSION", "dev")
#: The service's name in logs and health: a fragment may share its name with a backend.
SERVICE = f"{FRAGMENT}-fragment"

globals().update(
    service_settings(
        SERVICE,
        # "ninja": the BFF's docs page and its Swagger UI assets, served from here (no CDN).
        installed_apps=["fragments.kit.apps.StaticFiles", "ninja"],
        root_urlconf="fragments.kit.urls",
        middleware=[
            "django.middleware.security.SecurityMiddleware",
            "whitenoise.middleware.WhiteNoiseMiddleware",
        ],
        database=False,
    )
)

# Text in the page's language (fragments/kit/locale.py): each fragment's own catalog first,
# then the kit's (its BFF refusals). Both are compiled (`.mo`) in the repository.
USE_I18N = True
LANGUAGES = list(LANGUAGES)
LANGUAGE_CODE = DEFAULT
LOCALE_PATHS = [
    REPO_ROOT / "fragments" / FRAGMENT / "locale",
    REPO_ROOT / "fragments" / "kit" / "locale",
]

# Fragments render with Jinja2 (fragments/kit/rendering.py); Django templates are only for
# ninja's docs page, from the installed apps.
TEMPLATES = DOCS_TEMPLATES

# Assets are content-hashed by collectstatic and served under /_assets/<fragment>/, the
# prefix the shell proxies to this fragment's instances.
STATIC_URL = f"/_assets/{FRAGMENT}/"
STATICFILES_DIRS = [REPO_ROOT / "fragments" / FRAGMENT / "static"]
STATIC_ROOT = static_root(SERVICE)
STORAGES = {"staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
WHITENOISE_MAX_AGE = 31536000  # hashed names never change content
#: Key of the signed visitor token the shell sends (see tessera/runtime/visitor.py).
CONTEXT_KEY = secret("TESSERA_CONTEXT_KEY")
