"""The ASGI application of whichever backend stub `TESSERA_BACKEND` names."""

import os

from django.core.asgi import get_asgi_application

from tessera.asgi import ServiceApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backends.kit.settings")
application = ServiceApp(
    get_asgi_application(), service=os.environ.get("TESSERA_BACKEND", "backend")
)
