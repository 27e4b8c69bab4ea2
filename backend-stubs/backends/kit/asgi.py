"""The ASGI application of whichever backend stub `TESSERA_BACKEND` names."""

import os

from django.core.asgi import get_asgi_application

from backends.kit.faults import PROCESS_STOP, FaultInjector, parse_faults
from tessera.runtime.asgi import ServiceApp
from tessera.runtime.secrets import secret

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backends.kit.settings")
application = ServiceApp(
    FaultInjector(
        get_asgi_application(),
        token=secret("TESSERA_STUB_ADMIN_TOKEN"),
        faults=parse_faults(os.environ.get("TESSERA_FAULTS", "")),
    ),
    service=os.environ.get("TESSERA_BACKEND", "backend"),
    on_stop=[PROCESS_STOP.stop],
    trust_request_id=True,  # behind the fragments: their request ids join the logs
    metrics_token=secret("TESSERA_METRICS_TOKEN"),
)
