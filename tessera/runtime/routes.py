"""Django middleware naming each request's route for its log line and metrics.

The name is the URL pattern that matched (`api/v1/products/<sku>`), never the path itself:
metrics are labelled by it, and a client must not be able to mint label values. A request
no pattern matched keeps the name its app gave it, if any (tracing.Hop.route).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase

from tessera.runtime.tracing import current

Handler = Callable[[HttpRequest], HttpResponseBase]
AsyncHandler = Callable[[HttpRequest], Awaitable[HttpResponseBase]]


def _name(request: HttpRequest) -> None:
    hop = current.get()
    match = getattr(request, "resolver_match", None)
    if hop is not None and match is not None and not hop.route:
        hop.route = match.route or match.view_name


def route_names(get_response: Handler | AsyncHandler) -> Handler | AsyncHandler:
    """Name the route once the view answered (sync or async, as the stack is)."""
    if iscoroutinefunction(get_response):

        async def named_async(request: HttpRequest) -> HttpResponseBase:
            response = await get_response(request)  # type: ignore[misc]
            _name(request)
            return response

        return markcoroutinefunction(named_async)

    def named(request: HttpRequest) -> HttpResponseBase:
        response = get_response(request)
        _name(request)
        return response  # type: ignore[return-value]

    return named


route_names.sync_capable = True  # type: ignore[attr-defined]
route_names.async_capable = True  # type: ignore[attr-defined]
