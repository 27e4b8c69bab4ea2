"""The registry service's ASGI application."""

import os

from django.core.asgi import get_asgi_application

from tessera.runtime.asgi import ServiceApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
django_app = get_asgi_application()

from registry.apps import watch_start  # noqa: E402  (needs the settings configured above)

watch_start()  # a registry that starts again bridges its own downtime (registry.models)
application = ServiceApp(django_app, service="registry")
