"""The shell's browser-facing policy, built once from its settings: pages and the gateway
answer under the same rules."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from shell.engine.security import ResponsePolicy, origins


@cache
def response_policy() -> ResponsePolicy:
    """HTTPS or not, who may frame previews, where redirects may go (`shell/settings.py`)."""
    return ResponsePolicy(
        https=settings.HTTPS,
        preview_origins=origins(settings.PREVIEW_ORIGINS),
        redirect_hosts=frozenset(settings.REDIRECT_HOSTS),
    )
