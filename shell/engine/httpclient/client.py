"""The client: one pool per origin, GET requests, one transparent retry on a stale connection."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from shell.engine.httpclient.config import DEFAULT_LIMITS, Limits
from shell.engine.httpclient.errors import ConnectionClosed, HTTPClientError
from shell.engine.httpclient.pool import Pool
from shell.engine.httpclient.protocol import Response
from tessera.runtime.contract import STRIP_CONTROLS


def encode_headers(headers: Mapping[str, str]) -> bytes:
    """Request header lines, ready to send. Encode once and reuse for every request of a page."""
    lines = []
    for name, value in headers.items():
        # A name or value with CR/LF could smuggle a header or a second request: strip them,
        # and every other control character a server would refuse the request for.
        name, value = name.translate(STRIP_CONTROLS), value.translate(STRIP_CONTROLS)
        lines.append(f"{name}: {value}\r\n")
    return "".join(lines).encode("latin-1", "replace")


class Client:
    """Fetches URLs over pooled HTTP/1.1 connections, one pool per origin.

    A client serves one event loop: its pooled connections belong to it. Call `aclose()`
    before that loop ends; the page path does not pay for checking which loop it runs in.
    """

    def __init__(
        self,
        limits: Limits = DEFAULT_LIMITS,
        *,
        tls: ssl.SSLContext | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self.clock = clock
        self._tls = tls
        self._pools: dict[tuple[str, str, int], Pool] = {}
        self._targets: dict[str, tuple[Pool, bytes]] = {}
        self._last_sweep = clock()

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return self._tls

    def _route(self, url: str) -> tuple[Pool, bytes]:
        """The pool and the request line with Host for `url` (memoised: URLs repeat)."""
        found = self._targets.get(url)
        if found is not None:
            return found
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise HTTPClientError(f"unsupported URL {url!r}")
        https = parts.scheme == "https"
        port = parts.port or (443 if https else 80)
        key = (parts.scheme, parts.hostname, port)
        pool = self._pools.get(key)
        if pool is None:
            pool = Pool(
                parts.hostname,
                port,
                tls=self._tls_context() if https else None,
                limits=self.limits,
                clock=self.clock,
            )
            self._pools[key] = pool
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        head = f"GET {target} HTTP/1.1\r\nHost: {parts.netloc.rpartition('@')[2]}\r\n"
        found = (pool, head.encode("latin-1", "replace"))
        if len(self._targets) < 10_000:  # bounded: URLs carry route parameters
            self._targets[url] = found
        return found

    async def get(
        self,
        url: str,
        headers: bytes | Mapping[str, str] = b"",
        max_body_bytes: int | None = None,
        max_in_flight: int | None = None,
    ) -> Response:
        """GET `url` with `headers` (a mapping, or lines from `encode_headers`).

        The body may be at most `max_body_bytes` (default: the limits'). With
        `max_in_flight`, a request past that many in flight to the origin is refused
        (`Overloaded`). The caller bounds the time; cancelling closes the connection.
        """
        pool, head = self._route(url)
        self._maybe_sweep()
        block = headers if isinstance(headers, bytes) else encode_headers(headers)
        request = b"".join((head, block, b"\r\n"))
        # An idle connection is the common case: take it without awaiting acquire().
        connection = pool.take_idle()
        reused = connection is not None
        if connection is None:
            connection, reused = await pool.acquire(max_in_flight=max_in_flight)
        while True:
            try:
                response = await connection.send(request, max_body_bytes)
            except BaseException as exc:
                connection.close()  # cancelled or failed mid-response: never reuse it
                pool.release(connection)
                # A kept-alive connection the server had already closed: try once more on a
                # new one, but only if nothing of the response arrived (a GET is safe to
                # repeat).
                if not (isinstance(exc, ConnectionClosed) and reused and not exc.received_any):
                    raise
                connection, _ = await pool.acquire(fresh=True)
                reused = False
                continue
            pool.release(connection)
            response.url = url
            return response

    def _maybe_sweep(self) -> None:
        now = self.clock()
        if now - self._last_sweep >= 1.0:
            self._last_sweep = now
            for pool in self._pools.values():
                pool.sweep()

    @property
    def open_connections(self) -> int:
        """Connections open now, idle or in use, to every origin."""
        return sum(pool.open for pool in self._pools.values())

    async def aclose(self) -> None:
        """Close every idle connection."""
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()
        self._targets.clear()
        await asyncio.sleep(0)
