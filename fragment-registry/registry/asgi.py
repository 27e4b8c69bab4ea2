"""The registry service's ASGI application."""

import os

from django.core.asgi import get_asgi_application

from tessera.runtime.asgi import ServiceApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
application = ServiceApp(get_asgi_application(), service="registry")
