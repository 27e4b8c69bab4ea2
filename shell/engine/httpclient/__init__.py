"""The engine's own HTTP/1.1 client for fetching fragments.

General-purpose clients spend more per request than a whole composed page may cost (see
ARCHITECTURE.md), so the engine fetches with this small client instead: asyncio protocols,
httptools' C response parser, per-origin keep-alive pools with a connection limit each, and
a bulkhead: a request past the caller's cap of requests in flight to an origin is refused at
once (`Overloaded`). It does exactly what fragment fetching needs: GET, Content-Length and
chunked bodies, a body cap, TLS, no compression, no redirects followed. Deadlines belong to
the caller (`shell.engine.deadline.Deadline`); a request cancelled mid-response closes its
connection.
"""

from shell.engine.httpclient.client import Client, encode_headers
from shell.engine.httpclient.config import DEFAULT_LIMITS, Limits
from shell.engine.httpclient.errors import (
    BodyTooLarge,
    ConnectError,
    ConnectionClosed,
    HTTPClientError,
    InvalidResponse,
    Overloaded,
)
from shell.engine.httpclient.protocol import Response

__all__ = [
    "DEFAULT_LIMITS",
    "BodyTooLarge",
    "Client",
    "ConnectError",
    "ConnectionClosed",
    "HTTPClientError",
    "InvalidResponse",
    "Limits",
    "Overloaded",
    "Response",
    "encode_headers",
]
