"""The visitor a request is for, as the shell vouches for it in `X-Tessera-Visitor`."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError

from tessera.runtime.visitor import VISITOR_HEADER, verify_visitor


def visitor_of(request: HttpRequest) -> str | None:
    """The verified visitor id of `request`, or None when the token is missing or invalid."""
    token = request.headers.get(VISITOR_HEADER)
    if not token:
        return None
    return verify_visitor(token, settings.CONTEXT_KEY.encode(), time.time())


def require_visitor(request: HttpRequest) -> str:
    """The verified visitor id of `request`; a 401 for a BFF write nobody vouched for (the
    browser gets a token through the shell once it has opened a page of the shop)."""
    visitor = visitor_of(request)
    if visitor is None:
        raise HttpError(401, _("no visitor: open a page of the shop first, then try again"))
    return visitor
