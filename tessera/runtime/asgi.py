"""The ASGI envelope every Tessera service runs in.

Django's ASGI handler speaks only HTTP. Services also need start-up and shutdown work
(self-registration, snapshot polling, connection pools) and a `/healthz` that answers without
touching Django. `ServiceApp` adds exactly that around any ASGI app, and puts the caller's
request id and trace id into the logging context.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from tessera.runtime.jsonlog import request_id, trace_id

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Hook = Callable[[], Awaitable[None]]

logger = logging.getLogger("tessera.service")


async def send_response(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes = b"text/plain; charset=utf-8",
    headers: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    """Send a complete, small HTTP response."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of request header `name` (lower-case bytes), decoded, or None."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def joined_cookie_lines(headers: Sequence[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """`headers` with several `Cookie` lines made one, joined by `; ` (RFC 9113 8.2.3).

    Django joins repeated headers with `,`, which in a Cookie header glues one cookie's
    value to the next name: the CSRF or visitor cookie of a later line would be lost.
    """
    cookies = [value for key, value in headers if key == b"cookie"]
    others = [(key, value) for key, value in headers if key != b"cookie"]
    return [*others, (b"cookie", b"; ".join(cookies))]


class ServiceApp:
    """Wrap `app` with lifespan hooks, a `/healthz` endpoint and per-request log context."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        service: str,
        version: str = "dev",
        on_startup: Sequence[Hook] = (),
        on_shutdown: Sequence[Hook] = (),
        on_drain: Sequence[Hook] = (),
        on_stop: Sequence[Callable[[], None]] = (),
        health: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.app = app
        self.service = service
        self.version = version
        self.on_startup = list(on_startup)
        self.on_shutdown = list(on_shutdown)
        #: Run when the process is asked to stop, while it still serves (see tessera.runtime.serve):
        #: e.g. deregister, so that traffic stops arriving before the server stops accepting.
        self.on_drain = list(on_drain)
        #: Called (in the event loop, not awaited) as soon as the process is asked to stop,
        #: before the server waits for requests in progress: for requests held open for no
        #: one's benefit (e.g. an injected hang), which should end now rather than be
        #: cancelled at the end of that wait.
        self.on_stop = list(on_stop)
        self.health = health

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
            return
        if kind == "http" and scope["path"] == "/healthz":
            payload = {"status": "ok", "service": self.service, "version": self.version}
            if self.health is not None:
                payload.update(self.health())
            await send_response(send, 200, json.dumps(payload).encode(), b"application/json")
            return
        given_id = parent = None
        cookie_lines = 0
        for key, value in scope.get("headers", ()):  # one pass over the headers
            if key == b"x-request-id":
                given_id = value.decode("latin-1")
            elif key == b"traceparent":
                parent = value.decode("latin-1")
            elif key == b"cookie":
                cookie_lines += 1
        if cookie_lines > 1:
            scope = {**scope, "headers": joined_cookie_lines(scope["headers"])}
        rid_token = request_id.set(given_id)
        tid_token = trace_id.set(
            parent.split("-")[1] if parent and parent.count("-") == 3 else None
        )
        try:
            await self.app(scope, receive, send)
        finally:
            request_id.reset(rid_token)
            trace_id.reset(tid_token)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    for hook in self.on_startup:
                        await hook()
                except Exception as exc:
                    logger.exception("start-up failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                logger.info("started", extra={"version": self.version})
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for hook in reversed(self.on_shutdown):
                    try:
                        await hook()
                    except Exception:
                        logger.exception("shutdown hook failed")
                logger.info("stopped")
                await send({"type": "lifespan.shutdown.complete"})
                return
