"""The ASGI application of whichever backend stub `TESSERA_BACKEND` names.

A backend whose service does work besides answering requests (the orders backend runs its
sagas) says so on its AppConfig: `async def serving()`, called when the service starts,
never by a management command (migrate, seed), which do not build this application.
"""

import os

from django.apps import apps
from django.core.asgi import get_asgi_application

from backends.kit.faults import PROCESS_STOP, FaultInjector, parse_faults
from tessera.runtime.asgi import ServiceApp
from tessera.runtime.secrets import secret

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backends.kit.settings")
django_app = get_asgi_application()
application = ServiceApp(
    FaultInjector(
        django_app,
        token=secret("TESSERA_STUB_ADMIN_TOKEN"),
        faults=parse_faults(os.environ.get("TESSERA_FAULTS", "")),
    ),
    service=os.environ.get("TESSERA_BACKEND", "backend"),
    on_startup=[app.serving for app in apps.get_app_configs() if hasattr(app, "serving")],
    on_stop=[PROCESS_STOP.stop],
    trust_request_id=True,  # behind the fragments: their request ids join the logs
    metrics_token=secret("TESSERA_METRICS_TOKEN"),
)
