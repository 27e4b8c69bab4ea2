"""Settings of the shell: Django serves the /bff/ gateway, assets and everything but pages."""

from pathlib import Path

from shell.middleware import MIDDLEWARE
from tessera.runtime.django_defaults import service_settings
from tessera.runtime.env import (
    REPO_ROOT,
    data_dir,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_str,
    static_root,
)
from tessera.runtime.secrets import secret

globals().update(
    service_settings(
        "shell",
        installed_apps=["django.contrib.staticfiles"],
        root_urlconf="shell.urls",
        middleware=MIDDLEWARE,
        database=False,
    )
)

STATIC_URL = "/static/"
STATICFILES_DIRS = [REPO_ROOT / "shell" / "static"]
STATIC_ROOT = static_root("shell")
STORAGES = {"staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}

#: The operator's layouts folder, looked in before the shell's own (shell/layouts): a new
#: layout is a new file there, picked up and published to the registry without a restart.
LAYOUTS_DIR = Path(env_str("TESSERA_LAYOUTS_DIR", str(REPO_ROOT / "shell" / "layouts")))
#: The shop's languages, the first the default: fragments get one of them (x-tessera-locale).
LOCALES = env_list("TESSERA_LOCALES", ["en", "ko"])
# The shell's own words (its layouts, its error pages) in the shop's other languages.
LOCALE_PATHS = [REPO_ROOT / "shell" / "locale"]
#: The shop's name, after every page's title ("Kettle · Tessera").
SITE_NAME = env_str("TESSERA_SITE_NAME", "Tessera")
#: Where the registry is; the shell polls its snapshot for fragments and instances.
REGISTRY_URL = env_str("TESSERA_REGISTRY_URL", "http://127.0.0.1:8001")
#: The last good registry snapshot, kept for starts while the registry is down.
SNAPSHOT_DISK_PATH = data_dir() / "shell" / "registry-snapshot.json"
#: Seconds between snapshot polls (each a conditional GET answered 304 when unchanged).
SNAPSHOT_POLL_INTERVAL = env_float("TESSERA_SNAPSHOT_POLL_INTERVAL", 1.0)
#: Seconds the gateway waits for a fragment's BFF or asset.
GATEWAY_TIMEOUT = env_float("TESSERA_GATEWAY_TIMEOUT", 10.0)
#: Bytes of a BFF's or an asset's answer the gateway passes on, at most (beyond: 502).
GATEWAY_MAX_BODY_BYTES = env_int("TESSERA_GATEWAY_MAX_BODY_BYTES", 10 * 1024 * 1024)
#: Bearer token for the registry's API: the shell reports its breakers' states with it.
REGISTRY_TOKEN = secret("TESSERA_REGISTRY_TOKEN")
#: Key signing the visitor token the shell sends to fragments.
CONTEXT_KEY = secret("TESSERA_CONTEXT_KEY")
#: Key signing the visitor cookie; only the shell has it, so no one else can mint visitor ids.
VISITOR_KEY = secret("TESSERA_VISITOR_KEY")
#: Bearer token a scraper shows `/metrics`.
METRICS_TOKEN = secret("TESSERA_METRICS_TOKEN")
#: Origins whose pages may frame `/_fragment` previews (the registry's admin).
PREVIEW_ORIGINS = env_list("TESSERA_PREVIEW_ORIGINS", [REGISTRY_URL])
#: Hosts other than the shell's own that a primary fragment may redirect a page to.
REDIRECT_HOSTS = env_list("TESSERA_REDIRECT_HOSTS", [])
#: A failed CSRF check answers JSON, as every other gateway error does.
CSRF_FAILURE_VIEW = "shell.gateway.csrf_failure"
#: Take the caller's X-Request-ID (only behind a proxy that sets it); otherwise generate one.
TRUST_REQUEST_ID = env_bool("TESSERA_TRUST_REQUEST_ID", False)
#: Seconds a whole page may take; fragments still pending then are retried by the browser.
PAGE_BUDGET = env_float("TESSERA_PAGE_BUDGET", 10.0)
