"""A write's body, read before Django's CSRF check looks at its form data.

The check reads `request.POST` first (for a token sent as a form field). A multipart body is
parsed from the request's stream, which that consumes: the relay could then not read the
body it passes on, and answered 500. Read whole first, the body stays readable, and a body
that cannot be read is refused here in the gateway's JSON (413 past Django's
`DATA_UPLOAD_MAX_MEMORY_SIZE`, 400 for a multipart body that cannot be parsed) rather than
as Django's HTML error page.
"""

from __future__ import annotations

from collections.abc import Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError

from tessera.runtime.problem import problem

#: Methods whose requests the CSRF check reads the form data of.
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _refusal(request: HttpRequest) -> HttpResponse | None:
    """Read the body of a write to a BFF; the refusal of one that cannot be read."""
    if request.method not in WRITES or not request.path.startswith("/bff/"):
        return None
    try:
        request.body  # noqa: B018 - read once, kept: the form data is then parsed from it
        if request.content_type == "multipart/form-data":
            request.POST  # noqa: B018 - parsed now, where its errors are answered
    except RequestDataTooBig:
        return problem(413, "the request's body is larger than the gateway takes")
    except MultiPartParserError as exc:
        return problem(400, f"the request's multipart body cannot be read: {exc}")
    return None


def read_body_first(get_response: Callable) -> Callable:
    """Middleware, placed before `CsrfViewMiddleware` (see the module's docstring)."""
    if iscoroutinefunction(get_response):

        async def middleware(request: HttpRequest) -> HttpResponse:
            refused = _refusal(request)
            return refused if refused is not None else await get_response(request)

        return markcoroutinefunction(middleware)

    def sync_middleware(request: HttpRequest) -> HttpResponse:
        refused = _refusal(request)
        return refused if refused is not None else get_response(request)

    return sync_middleware


read_body_first.sync_capable = True  # type: ignore[attr-defined]
read_body_first.async_capable = True  # type: ignore[attr-defined]
