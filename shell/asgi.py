"""The shell's ASGI application: pages composed by the engine, everything else by Django."""

import os

from django.core.asgi import get_asgi_application

from tessera.runtime.asgi import ServiceApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shell.settings")
django_app = get_asgi_application()

from django.conf import settings  # noqa: E402

from shell import gateway, languages  # noqa: E402  (needs the settings configured above)
from shell.engine import PageApp, breakers, close_connections, layout  # noqa: E402

# Before the snapshot's disk copy is read (shell.snapshot), which checks pages' layouts.
layout.use_folders(settings.LAYOUTS_DIR)

from shell.metrics import FragmentMetrics  # noqa: E402
from shell.policy import response_policy  # noqa: E402
from shell.publishing import LayoutPublisher  # noqa: E402
from shell.reporting import ShellReporter  # noqa: E402
from shell.snapshot import poller  # noqa: E402

fragment_metrics = FragmentMetrics.install(
    lambda: poller.confirmed_at, lambda: poller.current.fragments
)
reporter = ShellReporter(
    settings.REGISTRY_URL, settings.REGISTRY_TOKEN, traffic=fragment_metrics.windows
)
publisher = LayoutPublisher(
    settings.REGISTRY_URL, settings.REGISTRY_TOKEN, on_change=poller.rebuild
)

application = ServiceApp(
    PageApp(
        poller.site,
        django_app,
        context_key=settings.CONTEXT_KEY.encode(),
        visitor_key=settings.VISITOR_KEY.encode(),
        page_budget=settings.PAGE_BUDGET,
        policy=response_policy(),
        site_name=settings.SITE_NAME,
        locales=languages.locales,
    ),
    service="shell",
    on_startup=[poller.start, reporter.start, publisher.start],
    on_shutdown=[publisher.stop, reporter.stop, poller.stop, close_connections, gateway.close],
    health=lambda: {
        "fragments": len(poller.current.fragments),
        "snapshot": poller.current.etag,
        "breakers": {name: r["state"] for name, r in breakers.report().items()},
    },
    trust_request_id=settings.TRUST_REQUEST_ID,
    metrics_token=settings.METRICS_TOKEN,
)
