"""The registry service's ASGI application."""

import os

from django.core.asgi import get_asgi_application

from tessera.runtime.asgi import ServiceApp
from tessera.runtime.secrets import secret

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
django_app = get_asgi_application()

from prometheus_client import REGISTRY  # noqa: E402

from registry.apps import watch_start  # noqa: E402  (needs the settings configured above)
from registry.metrics import InstanceCollector  # noqa: E402

watch_start()  # a registry that starts again bridges its own downtime (registry.models)
REGISTRY.register(InstanceCollector())
application = ServiceApp(
    django_app,
    service="registry",
    trust_request_id=True,  # called by fragment instances and shells, with their ids
    metrics_token=secret("TESSERA_METRICS_TOKEN"),
    metrics_in_thread=True,  # InstanceCollector reads the database
)
