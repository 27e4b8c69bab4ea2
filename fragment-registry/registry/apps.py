"""The registry's Django app: the audit history's signals, and the moment it began serving."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import sync_to_async
from django.apps import AppConfig
from django.core.handlers.asgi import ASGIHandler
from django.core.signals import request_started

logger = logging.getLogger("tessera.registry")

_WATCH = "registry-began-serving"


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "Fragment registry"

    def ready(self) -> None:
        from registry import audit

        audit.connect()


def watch_start() -> None:
    """Record this process's restart before the first request it serves over ASGI (see
    registry.models.Restart). Only the registry service calls this (registry/asgi.py):
    other processes load the app too (unit tests, management commands) and must not bridge
    a downtime that never was. Requests through Django's test clients do not count: they
    come from other handler classes."""
    request_started.connect(_began_serving, sender=ASGIHandler, dispatch_uid=_WATCH)


def unwatch_start() -> None:
    """Stop watching for the first request (done once the restart is recorded)."""
    request_started.disconnect(sender=ASGIHandler, dispatch_uid=_WATCH)


async def _began_serving(sender: type, **kwargs: Any) -> None:
    """Before a request: record the restart unless that is done, then stop listening, so
    later requests pay nothing for it. A failure costs the bridge, never the request."""
    from registry.models import began_serving

    try:
        if await sync_to_async(began_serving)() is None:
            return  # the database cannot be read yet: the next request tries again
    except Exception:  # a bug: log it once, and serve on without the bridge
        logger.exception("restart not recorded: instances are not bridged over the downtime")
    unwatch_start()
