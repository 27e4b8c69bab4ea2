"""Keep-alive connections to one origin, at most `max_connections` of them.

A slow origin can tie up only its own pool: requests to it wait for one of its connections
while every other origin's requests go ahead. And it can tie up only so many requests (a
bulkhead): past the caller's `max_in_flight` in use, connecting or waiting, a request is
refused at once. The count is taken only when no idle connection is at hand, which is when
an origin is busy: it costs the common request nothing. Idle connections are reused newest first and
dropped once idle for longer than `idle_timeout`, or as soon as they are found closed.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from collections.abc import Callable

from shell.engine.httpclient.config import Limits
from shell.engine.httpclient.errors import ConnectError, Overloaded
from shell.engine.httpclient.protocol import HTTPConnection


class Pool:
    """The connections to one (scheme, host, port)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        tls: ssl.SSLContext | None,
        limits: Limits,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.host = host
        self.port = port
        self.tls = tls
        self.limits = limits
        self.clock = clock
        self.idle: deque[HTTPConnection] = deque()
        self.open = 0  # connections counted against the limit: idle, in use or connecting
        self._waiters: deque[asyncio.Future[None]] = deque()

    def __repr__(self) -> str:
        return f"<Pool {self.host}:{self.port} open={self.open} idle={len(self.idle)}>"

    async def acquire(
        self, *, fresh: bool = False, max_in_flight: int | None = None
    ) -> tuple[HTTPConnection, bool]:
        """A connection for one request, and whether it was reused from the idle set;
        Overloaded if `max_in_flight` requests are in flight to the origin already."""
        if max_in_flight is not None and self.in_flight >= max_in_flight:
            raise Overloaded(
                f"{self.in_flight} requests in flight to {self.host}:{self.port} already"
            )
        while True:
            if not fresh:
                connection = self.take_idle()
                if connection is not None:
                    return connection, True
            elif self.idle and self.open >= self.limits.max_connections_per_origin:
                self._discard(self.idle.popleft())  # make room for the fresh one
            if self.open < self.limits.max_connections_per_origin:
                return await self._connect(), False
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    @property
    def in_flight(self) -> int:
        """Requests in flight: connections in use or connecting, and requests waiting."""
        return self.open - len(self.idle) + len(self._waiters)

    def release(self, connection: HTTPConnection) -> None:
        """Return a connection after its exchange: kept if reusable, otherwise closed."""
        if connection.reusable:
            connection.idle_since = self.clock()
            self.idle.append(connection)
        else:
            self._discard(connection)
        self._wake_one()

    def sweep(self) -> None:
        """Close idle connections that expired or that the server closed."""
        cutoff = self.clock() - self.limits.idle_timeout
        for connection in list(self.idle):
            if connection.closed or connection.idle_since < cutoff:
                self.idle.remove(connection)
                self._discard(connection)

    def close(self) -> None:
        while self.idle:
            self._discard(self.idle.pop())

    def take_idle(self) -> HTTPConnection | None:
        """A live kept-alive connection, if one is idle (expired or closed ones are dropped)."""
        cutoff = self.clock() - self.limits.idle_timeout
        while self.idle:
            connection = self.idle.pop()
            if not connection.closed and connection.idle_since >= cutoff:
                return connection
            self._discard(connection)
        return None

    def _discard(self, connection: HTTPConnection) -> None:
        connection.close()
        self.open -= 1
        self._wake_one()

    def _wake_one(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def _connect(self) -> HTTPConnection:
        self.open += 1
        loop = asyncio.get_running_loop()
        try:
            _, connection = await loop.create_connection(
                lambda: HTTPConnection(self.limits.max_body_bytes),
                self.host,
                self.port,
                ssl=self.tls,
                server_hostname=self.host if self.tls else None,
            )
        except BaseException as exc:
            self.open -= 1
            self._wake_one()
            if isinstance(exc, OSError):
                raise ConnectError(f"cannot connect to {self.host}:{self.port}: {exc}") from None
            raise
        return connection
