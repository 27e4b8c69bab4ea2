"""One Django configuration for the in-process unit tests of every Django app.

Each service runs with its own settings; unit tests run in one process, so this module
installs the apps of the registry, the backends and the shell side by side (their tables
never overlap) and tests pick each service's URLconf with `pytest.mark.urls`.
"""

import os
import tempfile

os.environ.setdefault("TESSERA_DATA_DIR", tempfile.mkdtemp(prefix="tessera-unit-"))

from registry.components import ADMIN_SECURITY, APPS, MIDDLEWARE

from tessera.runtime.django_defaults import ADMIN_TEMPLATES, service_settings
from tessera.runtime.env import REPO_ROOT

BACKENDS = (
    "catalog", "pricing", "inventory", "reviews", "recommendations", "cart", "payments", "orders",
)  # fmt: skip

globals().update(
    service_settings(
        "unit",
        installed_apps=[*APPS, *(f"backends.{name}" for name in BACKENDS), "tessera.ops"],
        root_urlconf="registry.urls",
        middleware=MIDDLEWARE,
    )
)
globals().update(ADMIN_SECURITY)
TEMPLATES = ADMIN_TEMPLATES
STATIC_URL = "/static/"
STATICFILES_DIRS = [REPO_ROOT / "shell" / "static"]

REGISTRY_TOKEN = "unit-test-registry-token"
REGISTRY_ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
REGISTRY_DENIED: list[str] = []
REGISTRY_HEARTBEAT_TTL = 15.0

BACKEND = "catalog"
REGISTRY_URL = "http://127.0.0.1:1"
SNAPSHOT_POLL_INTERVAL = 1.0
GATEWAY_TIMEOUT = 2.0
GATEWAY_MAX_BODY_BYTES = 1024 * 1024
CONTEXT_KEY = "unit-test-context-key"
VISITOR_KEY = "unit-test-visitor-key"
METRICS_TOKEN = "unit-test-metrics-token"
PREVIEW_ORIGINS = ["http://127.0.0.1:8001"]
REDIRECT_HOSTS: list[str] = []
CSRF_FAILURE_VIEW = "shell.gateway.csrf_failure"
TRUST_REQUEST_ID = False
PAGE_BUDGET = 10.0
LOCALES = ["en", "ko"]
SHELL_URL = "http://127.0.0.1:8000"
SNAPSHOT_DISK_PATH = None
LOCALE_PATHS = [REPO_ROOT / "shell" / "locale"]  # the shell's own words, as shell/settings.py
