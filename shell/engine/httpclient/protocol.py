"""One HTTP/1.1 connection: an asyncio protocol feeding httptools' response parser.

A connection carries one exchange at a time (no pipelining). The exchange's future resolves
with the complete `Response`, or fails with a client error; once anything has gone wrong the
connection is closed and never reused.
"""

from __future__ import annotations

import asyncio
import time

import httptools

from shell.engine.httpclient.errors import (
    BodyTooLarge,
    ConnectionClosed,
    HTTPClientError,
    InvalidResponse,
)


class Response:
    """A complete response.

    `raw_headers` are (lower-case name, value) pairs in the order received; `index` maps
    each name to its value (a repeated header's joined), as bytes. Values are decoded only
    when asked for: most of a fragment's headers are never looked at. `via` is the caller's
    note of how it came by the response, when that matters (the engine's fetch marks a
    retry on another instance, or an ejection).
    """

    __slots__ = ("body", "index", "raw_headers", "status", "url", "via")

    def __init__(
        self, status: int, raw_headers: list[tuple[bytes, bytes]], body: bytes = b""
    ) -> None:
        self.status = status
        self.raw_headers = raw_headers
        self.body = body
        self.url = ""  # set by the client
        self.via = ""
        index = dict(raw_headers)  # in C: headers are rarely repeated
        if len(index) < len(raw_headers):  # join a repeated header's values, in order
            index = {}
            for name, value in raw_headers:
                index[name] = index[name] + b", " + value if name in index else value
        self.index = index

    def __repr__(self) -> str:
        return f"<Response {self.status} {len(self.body)} bytes>"

    def header(self, name: bytes) -> str | None:
        """The value of one header, by lower-case name, or None."""
        value = self.index.get(name)
        return None if value is None else value.decode("latin-1")

    @property
    def headers(self) -> dict[str, str]:
        """Every header, lower-case name to value."""
        return {k.decode("latin-1"): v.decode("latin-1") for k, v in self.index.items()}


class HTTPConnection(asyncio.Protocol):
    """An HTTP/1.1 client connection, reusable while the server keeps it alive."""

    __slots__ = (
        "_body", "_callback_error", "_complete", "_headers", "_keep_alive", "_loop", "_parser",
        "_received_any", "_response", "_size", "_waiter", "body_cap", "closed",
        "idle_since", "max_body_bytes", "transport",
    )  # fmt: skip

    def __init__(self, max_body_bytes: int) -> None:
        self.max_body_bytes = max_body_bytes
        self.body_cap = max_body_bytes  # this exchange's cap
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = time.monotonic()
        self._loop = asyncio.get_running_loop()  # made by the loop's create_connection
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[Response] | None = None
        self._headers: list[tuple[bytes, bytes]] = []
        self._response: Response | None = None  # made when the headers are complete
        self._body: list[bytes] = []
        self._size = 0
        self._received_any = False
        self._complete = False
        self._keep_alive = False
        self._callback_error: HTTPClientError | None = None

    # -- asyncio.Protocol ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self._waiter is None or self._waiter.done():
            # Bytes nobody asked for: the connection's state is unknown, so drop it.
            self.close()
            return
        self._received_any = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            # A callback's own error reaches us wrapped by the parser; report the original.
            self._fail(self._callback_error or InvalidResponse(f"invalid HTTP response: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._waiter is None or self._waiter.done():
            return
        if exc is None and self._ends_at_close():
            self._finish(keep_alive=False)
        else:
            self._fail(
                ConnectionClosed(
                    "connection closed before the response was complete",
                    received_any=self._received_any,
                )
            )

    # -- httptools callbacks ---------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        # Called per header from C: keep it minimal, the index is built once at the end.
        self._headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        self._response = response = Response(self._parser.get_status_code(), self._headers)
        index = response.index  # this module's own class: bytes, without decoding
        declared = index.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.body_cap:
            size = declared.decode()
            self._callback_error = BodyTooLarge(
                f"declared body of {size} bytes exceeds {self.body_cap}"
            )
            raise self._callback_error

    def _ends_at_close(self) -> bool:
        """Whether the response under way has a body that the server's close delimits (no
        length, not chunked): asked only when the connection closes, not for every response."""
        response = self._response
        if response is None:  # the headers are not complete
            return False
        index, status = response.index, response.status
        chunked = b"chunked" in index.get(b"transfer-encoding", b"").lower()
        return (
            b"content-length" not in index
            and not chunked
            and status >= 200
            and status not in (204, 304)
        )

    def on_body(self, body: bytes) -> None:
        self._size += len(body)
        if self._size > self.body_cap:
            self._callback_error = BodyTooLarge(f"body larger than {self.body_cap} bytes")
            raise self._callback_error
        self._body.append(body)

    def on_message_complete(self) -> None:
        self._finish(keep_alive=self._parser.should_keep_alive())

    def _finish(self, *, keep_alive: bool) -> None:
        self._complete = True
        self._keep_alive = keep_alive
        if self._waiter is not None and not self._waiter.done():
            assert self._response is not None
            self._response.body = b"".join(self._body)
            self._waiter.set_result(self._response)

    # -- use -------------------------------------------------------------------------------

    @property
    def reusable(self) -> bool:
        """Whether another request may be sent on this connection."""
        return self._complete and self._keep_alive and not self.closed

    def send(self, request: bytes, max_body_bytes: int | None = None) -> asyncio.Future[Response]:
        """Write `request` and return the future of its response (body capped, if given)."""
        assert self.transport is not None and not self.closed
        self.body_cap = max_body_bytes or self.max_body_bytes
        self._waiter = self._loop.create_future()
        self._headers = []
        self._response = None
        self._body = []
        self._size = 0
        self._received_any = False
        self._complete = False
        self._keep_alive = False
        self.transport.write(request)
        return self._waiter

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _fail(self, error: HTTPClientError) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(error)
        self.close()
