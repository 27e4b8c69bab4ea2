"""One request's place in a trace: its ids, taken from the caller or made here, and passed on.

Every service handles a request as one *hop* of a W3C trace (https://www.w3.org/TR/trace-context/):
the hop continues the caller's `traceparent` (same trace id, the caller's span as parent) or
starts a trace, gets a span id of its own, and keeps the request id the caller sent when it is
trusted to (services behind the shell; the shell itself only behind a proxy that sets it).
`ServiceApp` begins the hop and keeps it in a context variable for the request's lifetime, so
log lines (jsonlog.py) and calls to other services (`outgoing`) pick it up from anywhere below
without passing it around.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass

#: A request id taken from a caller: short, and nothing a log line or a header could choke on.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")
_TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}")
_NO_TRACE = "0" * 32
_NO_SPAN = "0" * 16

#: Where `ServiceApp` puts the hop in the ASGI scope, for apps that read the scope, not the
#: context (the shell's page handler).
SCOPE_KEY = "tessera.hop"


@dataclass(slots=True)
class Hop:
    """This service's part of one request's trace. `route` and `detail` are for the app to
    fill in (the route's name, the page's Server-Timing): they go into the request's log line
    and metrics."""

    request_id: str
    trace_id: str
    span_id: str
    parent_span_id: str  # "" when this hop starts the trace
    start: float  # time.time() when the request began
    route: str = ""
    detail: str = ""

    @property
    def traceparent(self) -> str:
        """The `traceparent` a call made within this hop carries: this hop is its parent."""
        return f"00-{self.trace_id}-{self.span_id}-01"


current: ContextVar[Hop | None] = ContextVar("tessera_hop", default=None)


def begin(headers: Iterable[tuple[bytes, bytes]], *, trust_request_id: bool) -> Hop:
    """The hop of a request with these headers, starting now."""
    given_id = parent = None
    for key, value in headers:
        if key == b"x-request-id":
            given_id = value
        elif key == b"traceparent":
            parent = value
    return begin_with(given_id, parent, trust_request_id=trust_request_id)


def begin_with(given_id: bytes | None, parent: bytes | None, *, trust_request_id: bool) -> Hop:
    """The hop of a request whose `X-Request-ID` and `traceparent` are these (None when
    absent), starting now: `begin` for callers that have already read the headers."""
    fresh = os.urandom(40).hex()  # one call for every id that may be needed
    request_id = fresh[:32]
    if trust_request_id and given_id is not None:
        candidate = given_id.decode("latin-1")
        if REQUEST_ID.fullmatch(candidate):
            request_id = candidate
    trace_id, parent_span_id = fresh[32:64], ""
    if parent is not None:
        found = _TRACEPARENT.fullmatch(parent.decode("latin-1"))
        if found and found.group(1) != _NO_TRACE and found.group(2) != _NO_SPAN:
            trace_id, parent_span_id = found.group(1), found.group(2)
    span_id = fresh[64:]
    return Hop(request_id, trace_id, span_id, parent_span_id, time.time())


def outgoing() -> dict[str, str]:
    """The headers that carry the current request's ids to a service it calls; none outside
    a request."""
    hop = current.get()
    if hop is None:
        return {}
    return {"x-request-id": hop.request_id, "traceparent": hop.traceparent}
