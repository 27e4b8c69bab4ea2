"""The visitor a request is for, as the shell vouches for it in `X-Tessera-Visitor`."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest

from tessera.visitor import VISITOR_HEADER, verify_visitor


def visitor_of(request: HttpRequest) -> str | None:
    """The verified visitor id of `request`, or None when the token is missing or invalid."""
    token = request.headers.get(VISITOR_HEADER)
    if not token:
        return None
    return verify_visitor(token, settings.CONTEXT_KEY.encode(), time.time())
