"""The request-response cycle every service's connections run: uvicorn's, made leaner, and
writing each response's head together with its first body part.

uvicorn checks each response header with two regular expressions and builds the head line
by line in Python. Here the head is joined in C (`map(b": ".join, headers)`), checked whole
by two `bytes.translate` passes, and searched, lower-cased, for the three headers that frame
the response (`content-length`, `transfer-encoding`, `connection`): 25,600 fewer
instructions per request (284,000 to 258,400, callgrind, a stand-in app sending the page's
eleven headers). One regular expression over the whole head saved nothing: the engine
scans byte by byte, 39,000 instructions for the page's head.

The head is held until the first part of the body and leaves with it, in one write, since
the head alone wakes the client for nothing; the transport (coalesce.py) then holds the
writes of the loop's turn and sends them when it ends. Joining the parts here costs less
than handing them over as several buffers (`writelines`, one `writev` in uvloop): the
kernel took twice as long over a page's four small and one large buffer as over one
(strace, the cached standard page). An app that wants its head out early sends an empty
body part with `more_body`.

The cycle is made from its protocol directly (bounded.py), where uvicorn's takes eleven
keyword arguments, and with the scope the protocol built at once.

What reaches the client is what uvicorn would send, except that header names keep the case
the app gave them (HTTP names are case-blind; uvicorn lower-cases them), and that a header
which could split the response (a control character other than the tab in a value, a name
that is not a token) gets the client a 500 where uvicorn drops the connection; the app's
send raises either way.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import (
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)

#: Bytes a header value may hold: all but the control characters other than the tab (so no
#: CR or LF: a value cannot end its line or start another).
VALUE_BYTES = bytes(b for b in range(256) if b == 9 or 32 <= b < 127 or b > 127)
#: Bytes a header name may hold: a token's (RFC 9110).
NAME_BYTES = b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class ResponseCycle(RequestResponseCycle):
    """A request-response cycle whose `send` writes the response head in one piece, with
    the first part of the body."""

    def __init__(self, protocol: HttpToolsProtocol, scope: Any, keep_alive: bool) -> None:
        # uvicorn's cycle state, but for the access log that no service has uvicorn write.
        self.scope = scope
        self.transport = protocol.transport
        self.flow = protocol.flow
        self.logger = protocol.logger
        self.default_headers = protocol.server_state.default_headers
        self.message_event = asyncio.Event()
        self.on_response = protocol.on_response_complete
        self.disconnected = False
        self.keep_alive = keep_alive
        self.waiting_for_100_continue = protocol.expect_100_continue
        self.body = bytearray()
        self.more_body = True
        self.response_started = False
        self.response_complete = False
        self.chunked_encoding: bool | None = None
        self.expected_content_length = 0
        self.held = b""  # the response's head, until the first part of its body

    async def send(self, message: Any) -> None:
        if self.flow.write_paused and not self.disconnected:
            await self.flow.drain()
        if self.disconnected:
            return
        if not self.response_started:
            if message["type"] != "http.response.start":
                raise RuntimeError(
                    f"Expected ASGI message 'http.response.start', but got '{message['type']}'."
                )
            self.held = self._head(message["status"], message.get("headers", ()))
            self.response_started = True  # after the head is known good: else a 500 can go
            self.waiting_for_100_continue = False
        elif not self.response_complete:
            if message["type"] != "http.response.body":
                raise RuntimeError(
                    f"Expected ASGI message 'http.response.body', but got '{message['type']}'."
                )
            self._body(message.get("body", b""), message.get("more_body", False))
        else:
            raise RuntimeError(
                f"Unexpected ASGI message '{message['type']}' sent, after response already "
                "completed."
            )

    def _head(self, status: int, headers: Any) -> bytes:
        """The status line and header lines, with the framing the headers leave out; notes
        the framing chosen."""
        status_line = STATUS_LINE[status]  # before any framing is noted: may raise
        headers = [*self.default_headers, *headers]
        lines = b"\r\n".join(map(b": ".join, headers))
        # What is left of the lines once the bytes a value may hold are taken out is only
        # the line ends, and of the names nothing: one pass in C over each, not one per header.
        names = b"".join([name for name, _ in headers])
        if lines.translate(None, VALUE_BYTES) != b"\r\n" * (len(headers) - 1) or names.translate(
            None, NAME_BYTES
        ):
            raise RuntimeError("Invalid HTTP header name or value.")
        head = lines + b"\r\n" if lines else b""
        lower = b"\r\n" + head.lower()
        # As uvicorn reads them: chunked if any transfer-encoding says so, else the first
        # content-length; closing if any connection header lists close.
        if b"chunked" in _values(lower, b"transfer-encoding"):
            self.expected_content_length = 0
            self.chunked_encoding = True
        elif lengths := _values(lower, b"content-length"):
            self.expected_content_length = int(lengths[0])
            self.chunked_encoding = False
        close = any(
            b"close" in [token.strip() for token in value.split(b",")]
            for value in _values(lower, b"connection")
        )
        if close:
            self.keep_alive = False
        elif not self.keep_alive:
            head += b"connection: close\r\n"
        if (
            self.chunked_encoding is None
            and self.scope["method"] != "HEAD"
            and status not in (204, 304)
        ):
            self.chunked_encoding = True
            head += b"transfer-encoding: chunked\r\n"
        return status_line + head + b"\r\n"

    def _body(self, body: bytes, more_body: bool) -> None:
        """Write a part of the body, framed as the head said, after the head if it is still
        held; finish the response after the last part (uvicorn's own checks on the length)."""
        head, self.held = self.held, b""
        if self.scope["method"] == "HEAD":
            self.expected_content_length = 0
            parts: tuple[bytes, ...] = (head,)  # an empty part is not written
        elif self.chunked_encoding:
            end = b"\r\n" if more_body else b"\r\n0\r\n\r\n"
            parts = (head, b"%x\r\n" % len(body), body, end) if body else (head, end[2:])
        else:
            if len(body) > self.expected_content_length:
                raise RuntimeError("Response content longer than Content-Length")
            self.expected_content_length -= len(body)
            parts = (head, body)
        self.transport.write(b"".join(parts))
        if not more_body:
            if self.expected_content_length != 0:
                raise RuntimeError("Response content shorter than Content-Length")
            self.response_complete = True
            self.message_event.set()
            if not self.keep_alive:
                self.transport.close()
            self.on_response()  # the next pipelined request's turn


def _values(lower_head: bytes, name: bytes) -> list[bytes]:
    """Every value of header `name` in a lower-cased head (`\\r\\n` before each line)."""
    key, values = b"\r\n" + name + b":", []
    at = lower_head.find(key)
    while at >= 0:
        end = lower_head.index(b"\r\n", at + len(key))
        values.append(lower_head[at + len(key) : end].strip(b" \t"))
        at = lower_head.find(key, end)
    return values
