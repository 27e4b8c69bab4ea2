"""uvicorn's HTTP protocol with `ServerLimits` enforced: deadlines, head and body sizes, and
the number of connections.

uvicorn bounds none of these with httptools: a client could keep a connection open forever
by sending nothing or a byte now and then, of the head or of the body, and grow a request
head (or a chunked body's trailers) without end.

Deadlines cost no timer per request: each connection keeps one `deadline` (event-loop time)
and a phase, set at the few points where a request moves on, and `expire_overdue`, called
by the server every tick (0.1 s), acts on the connections past theirs. This also replaces
uvicorn's keep-alive timer, which it armed and cancelled on every request.

A head is measured only when it may be too large: reads totalling no more than the limit
cannot carry a head beyond it, and past that the parsed head (URL and header lines) is
measured, so a body arriving in the same read never counts. The number of headers is
checked once the head is complete. That is one check per request where checking in
`on_header` would be one per header (6 % more instructions per request, measured).
httptools keeps an unfinished header line to itself until the line ends, so a head that
stays unfinished after a read is checked then: the reads that began inside it count whole,
and the headers so far are counted. What a head can make the process hold stays below the
limit plus one read.

A refused request gets a short answer with `connection: close`; the connection then stops
sending, discards what still arrives and is closed when the client closes it or after
`LINGER`: closing at once would reset a connection with unread data, and the client would
see the reset instead of the answer.
"""

from __future__ import annotations

import asyncio
import http
import urllib.parse
from collections.abc import Iterable
from typing import Any, ClassVar

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from tessera.runtime.coalesce import CoalescingTransport
from tessera.runtime.cycle import ResponseCycle
from tessera.runtime.limits import ServerLimits

#: Seconds a refused connection keeps discarding what arrives before it is closed.
LINGER = 2.0

# A connection's phase decides what its deadline means.
_FIRST = 0  # open, no request begun: closed at the head deadline, counted from opening
_HEAD = 1  # a request head is arriving: 408 at the head deadline
_BODY = 2  # the head is complete: 408 at the head deadline + body timeout if the body is not
# all in by then (a request that is, but is still being answered, moves on to _BUSY then)
_BUSY = 3  # the request is complete and being answered: no deadline
_IDLE = 4  # between keep-alive requests: closed at the keep-alive deadline
_CLOSING = 5  # refused: closed once the client closes or at the linger deadline

_NEVER = float("inf")

# uvicorn's own callback, called directly: cheaper than super() on every request.
_take_body = HttpToolsProtocol.on_body


class _Discard(list):
    """Where a chunked body's trailers go once the app holds the request's headers: a client
    could otherwise grow that list without end (a few bytes a header line)."""

    __slots__ = ()

    def append(self, item: Any) -> None:
        return None


_TRAILERS = _Discard()


class Refused(Exception):
    """Raised in a parser callback: the request is answered with `status` and not served."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def refusal(status: int, default_headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    """A complete response refusing a request with `status`, closing the connection."""
    phrase = http.HTTPStatus(status).phrase
    body = f"{phrase}\n".encode()
    lines = [f"HTTP/1.1 {status} {phrase}\r\n".encode()]
    lines += [name + b": " + value + b"\r\n" for name, value in default_headers]
    lines += [
        b"content-type: text/plain; charset=utf-8\r\n",
        b"content-length: %d\r\n" % len(body),
        b"connection: close\r\n\r\n",
        body,
    ]
    return b"".join(lines)


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the leaner cycle of cycle.py, enforcing `limits`
    (see the module's docstring)."""

    # Slots, not the instance dict: uvicorn's protocol already has 28 attributes, and beyond
    # 30 CPython 3.11 stops sharing dict keys, which slows every attribute access (1.4 %
    # more instructions per request, measured).
    __slots__ = (
        "_body_left",
        "_body_read",
        "_head_inside",
        "_head_read",
        "_limits",
        "_phase",
        "_read_len",
        "deadline",
    )

    limits: ClassVar[ServerLimits] = ServerLimits()

    @classmethod
    def with_limits(cls, limits: ServerLimits) -> type[BoundedHttpToolsProtocol]:
        """This protocol enforcing `limits` (uvicorn takes a class, not an instance)."""
        return type(cls.__name__, (cls,), {"__slots__": (), "limits": limits})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limits = self.limits  # a slot: quicker to reach than the class attribute
        #: Event-loop time by which the connection must have moved on (see `expire`).
        self.deadline = _NEVER
        self._phase = _FIRST
        self._read_len = 0  # bytes of the read being parsed
        self._head_read = 0  # bytes of earlier reads that carried the current head
        self._head_inside = 0  # bytes of reads wholly inside the current head
        self._body_left = 0  # bytes the current request's body may still have
        self._body_read = 0  # bytes received while its body arrives (trailers included)

    # Connection

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self._limits.max_connections:
            self.transport = transport  # for uvicorn's connection_lost
            self._phase = _CLOSING
            transport.write(refusal(503, self.server_state.default_headers))
            transport.close()
            return
        super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]
        self.deadline = self.loop.time() + self._limits.head_timeout

    def data_received(self, data: bytes) -> None:
        """uvicorn's, with refusals from the callbacks answered and unfinished heads bounded;
        no keep-alive timer to cancel."""
        phase = self._phase
        if phase == _CLOSING:
            return
        if phase == _BODY:  # a chunked body's trailers are not body, but are bounded with it
            self._body_read += len(data)
            if self._body_read > self._limits.max_body_bytes + self._limits.max_head_bytes:
                self.refuse(413)
                return
        head = self.headers if phase == _HEAD else None  # a new message makes a new list
        self._read_len = len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        except httptools.HttpParserError as exc:
            # httptools wraps what a callback raised, as the error's context.
            if isinstance(exc.__context__, Refused):
                self.refuse(exc.__context__.status)
                return
            msg = "Invalid HTTP request received."
            self.logger.warning(msg)
            self.send_400_response(msg)
            return
        if self._phase == _HEAD:
            self._head_unfinished(data, head)

    def _head_unfinished(self, data: bytes, head: list[tuple[bytes, bytes]] | None) -> None:
        """Count a read after which the head is still unfinished; refuse the head when what
        is surely part of it exceeds the limits."""
        self._head_read += len(data)
        if self.headers is head:  # the read began inside this head: all of it is head
            self._head_inside += len(data)
        limits = self._limits
        if self._head_inside > limits.max_head_bytes or len(self.headers) > limits.max_headers:
            self.refuse(431)

    def expire(self) -> None:
        """Past the deadline: 408 for a head or body still arriving, else close."""
        if self.transport.is_closing():
            return
        if self._phase == _BODY and not self.cycle.more_body:  # all in, just slow to answer
            self._phase = _BUSY
            self.deadline = _NEVER
        elif self._phase in (_HEAD, _BODY):
            self.refuse(408)
        else:
            self.transport.close()

    def refuse(self, status: int) -> None:
        """Answer `status` and stop serving this connection; a request still being answered
        is cut off and its app sees the client gone."""
        self._phase = _CLOSING
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True
            cycle.message_event.set()
            if cycle.response_started:  # no room left for an answer
                self.transport.close()
                return
        self.deadline = self.loop.time() + LINGER
        self.transport.write(refusal(status, self.server_state.default_headers))
        if self.transport.can_write_eof():  # not over TLS
            self.transport.write_eof()
        self.flow.resume_reading()  # keep discarding what arrives

    def head_size(self) -> int:
        """The parsed head's size, about as on the wire: URL, and each header line."""
        return len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)

    # Parser callbacks (uvicorn's, with the bounds)

    def on_message_begin(self) -> None:
        # uvicorn's, but for the scope: made whole once the head is (`on_headers_complete`).
        self.url = b""
        self.expect_100_continue = False
        self.headers = []
        if self._phase != _FIRST:  # the first request's deadline counts from the connection
            self.deadline = self.loop.time() + self._limits.head_timeout
        self._phase = _HEAD
        self._head_read = self._head_inside = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        if name == b"expect" and value.lower() == b"100-continue":
            self.expect_100_continue = True
        elif name == b"content-length" and int(value) > self._limits.max_body_bytes:
            raise Refused(413)
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        limits = self._limits
        # The reads carrying the head bound its size; only past the limit is it measured,
        # so a body in the same read does not count.
        if (
            self._head_read + self._read_len > limits.max_head_bytes
            and self.head_size() > limits.max_head_bytes
        ) or len(self.headers) > limits.max_headers:
            raise Refused(431)
        # The body, if any, is due within the body timeout after the head's own deadline.
        self._phase = _BODY
        self.deadline += limits.body_timeout
        self._body_left = limits.max_body_bytes
        self._body_read = 0
        self._begin_cycle()
        self.headers = _TRAILERS  # the scope keeps the head's own list

    def _begin_cycle(self) -> None:
        """uvicorn's `on_headers_complete` after the bounds, in one go: the request's scope
        and cycle, and its task (or its place in the pipeline). A path in origin form (the
        usual `/…`) is split here rather than by httptools' URL parser."""
        parser = self.parser
        if parser.should_upgrade() and self._should_upgrade():
            return  # never, as services run: no WebSocket protocol (serve.py's ws="none")
        version = parser.get_http_version()
        url = self.url
        if url[:1] == b"/":
            raw_path, _, query = url.partition(b"#")[0].partition(b"?")
        else:  # absolute form (a proxy's request) or `*`
            parsed = httptools.parse_url(url)
            raw_path, query = parsed.path or b"", parsed.query or b""
        path = raw_path.decode("ascii")
        if "%" in path:
            path = urllib.parse.unquote(path)
        root = self.root_path
        self.scope = scope = {  # type: ignore[typeddict-item]
            "type": "http",
            "asgi": {"version": self.asgi_version, "spec_version": "2.3"},
            "http_version": version,
            "server": self.server,
            "client": self.client,
            "scheme": self.scheme,
            "root_path": root,
            "headers": self.headers,
            "state": self.app_state.copy(),
            "method": parser.get_method().decode("ascii"),
            "path": root + path,
            "raw_path": root.encode("ascii") + raw_path,
            "query_string": query,
        }
        existing = self.cycle
        keep_alive = version != "1.0" and parser.should_keep_alive()
        self.cycle = cycle = ResponseCycle(self, scope, keep_alive)  # type: ignore[assignment]
        if existing is None or existing.response_complete:
            self._start_asgi_task(cycle, self.app)
        else:  # pipelined: queued until the one before is answered
            self.flow.pause_reading()
            self.pipeline.appendleft((cycle, self.app))

    def on_body(self, body: bytes) -> None:
        self._body_left -= len(body)  # a chunked body declares no length beforehand
        if self._body_left < 0:
            raise Refused(413)
        _take_body(self, body)

    def on_response_complete(self) -> None:
        """uvicorn's, with the keep-alive deadline set instead of a timer armed."""
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self.flow.resume_reading()
        if self.pipeline:
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
        elif self._phase in (_BODY, _BUSY):  # not when the next head has begun
            self._phase = _IDLE
            self.deadline = self.loop.time() + self._limits.keep_alive


def expire_overdue(connections: Iterable[object], now: float) -> None:
    """Expire each bounded connection whose deadline is past `now` (event-loop time)."""
    for connection in list(connections):  # expiring may close connections
        if isinstance(connection, BoundedHttpToolsProtocol) and connection.deadline <= now:
            connection.expire()
