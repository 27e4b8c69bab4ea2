"""The ASGI application of whichever fragment `TESSERA_FRAGMENT` names."""

import os

from django.core.asgi import get_asgi_application

from tessera.runtime.asgi import ServiceApp
from tessera.runtime.env import env_float, service_url
from tessera.runtime.secrets import secret

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fragments.kit.settings")
django_app = get_asgi_application()

from django.conf import settings  # noqa: E402  (settings are configured above)

from fragments.kit.backends import close_all  # noqa: E402
from fragments.kit.deadline import DeadlineApp  # noqa: E402
from fragments.kit.fragment import load  # noqa: E402
from fragments.kit.registration import Registration  # noqa: E402

fragment = load(settings.FRAGMENT)
registration = Registration(
    registry_url=service_url("registry"),
    token=secret("TESSERA_REGISTRY_TOKEN"),
    payload={
        "fragment": fragment.name,
        "base_url": os.environ.get("TESSERA_SELF_URL", "http://127.0.0.1:8100"),
        "version": settings.FRAGMENT_VERSION,
        "path_template": fragment.path,
        "timeout_ms": fragment.timeout_ms,
        "primary": fragment.primary,
        "is_async": fragment.is_async,
        "owner": fragment.owner,
        "description": fragment.description,
    },
    heartbeat_interval=env_float("TESSERA_HEARTBEAT_INTERVAL", 5.0),
)

application = ServiceApp(
    DeadlineApp(django_app),  # the fragment's endpoint and its BFF, within the caller's deadline
    service=settings.SERVICE,
    version=settings.FRAGMENT_VERSION,
    on_startup=[registration.start],
    on_shutdown=[close_all, registration.stop],
    on_drain=[registration.stop],
    health=lambda: {"registered": registration.registered.is_set()},
    trust_request_id=True,  # behind the shell: its request ids join the logs
    metrics_token=secret("TESSERA_METRICS_TOKEN"),
)
