"""The ASGI envelope every Tessera service runs in.

Django's ASGI handler speaks only HTTP. Services also need start-up and shutdown work
(self-registration, snapshot polling, connection pools), a `/healthz` that answers without
touching Django, and `/metrics`. `ServiceApp` adds exactly that around any ASGI app, and
makes each request a hop of its trace (tracing.py): its ids in the logging context, its
access line and request metrics when it ends (access.py).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from asgiref.sync import sync_to_async

from tessera.runtime import metrics, otel, tracing, workers
from tessera.runtime.access import AccessLog
from tessera.runtime.tracing import SCOPE_KEY
from tessera.runtime.workermetrics import WorkerMetrics

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
    """Wrap `app` with lifespan hooks, `/healthz` and `/metrics`, and each request's trace
    context, access line and metrics."""

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
        trust_request_id: bool = False,
        metrics_token: str = "",
        metrics_in_thread: bool = False,
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
        #: Whether a caller's `X-Request-ID` is kept (see tracing.py): services behind the
        #: shell keep the shell's; the shell keeps a proxy's only when told it is trusted.
        self.trust_request_id = trust_request_id
        #: The bearer token `/metrics` asks for; without one, `/metrics` answers no one.
        self.metrics_token = metrics_token
        #: Collect in a thread, not the event loop: for collectors that read a database
        #: (the registry's), and only those, since the others read what the loop changes.
        self.metrics_in_thread = metrics_in_thread
        self.access = AccessLog(service)
        #: How `/metrics` gathers the other workers' when this process is one of several
        #: (tessera.runtime.workers); set at start-up.
        self.worker_metrics: WorkerMetrics | None = None

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
        if kind != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == "/metrics":
            await self._metrics(scope, send)
            return
        given_id = parent = None
        cookie_lines = 0
        for key, value in scope["headers"]:  # one pass over the headers; the first of each
            if key == b"cookie":
                cookie_lines += 1
            elif key == b"x-request-id" and given_id is None:
                given_id = value
            elif key == b"traceparent" and parent is None:
                parent = value
        if cookie_lines > 1:
            scope = {**scope, "headers": joined_cookie_lines(scope["headers"])}
        hop = scope[SCOPE_KEY] = tracing.begin_with(
            given_id, parent, trust_request_id=self.trust_request_id
        )
        token = tracing.current.set(hop)
        started = time.perf_counter()
        answered = 0.0
        status = 0

        async def observed(message: dict[str, Any]) -> None:
            nonlocal answered, status
            if message["type"] == "http.response.start":
                answered, status = time.perf_counter(), message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observed)
        except Exception:
            if not answered:
                status = 500  # what the server answers for it
            raise
        finally:
            if not status:  # ended without an answer, not by an error: the client left
                status = 499  # (nginx's code; the shell's pages and Django end so)
            ended = time.perf_counter()
            try:
                self.access.finished(hop, scope["method"], scope["path"], status,
                                     ended - started, (answered or ended) - started)  # fmt: skip
            finally:
                tracing.current.reset(token)

    async def _metrics(self, scope: Scope, send: Send) -> None:
        """This process's metrics, for a scraper that shows the metrics token."""
        if not metrics.authorised(self.metrics_token, header(scope, b"authorization")):
            await send_response(
                send,
                401,
                b"/metrics needs the metrics token: Authorization: Bearer <TESSERA_METRICS_TOKEN>",
                headers=[(b"www-authenticate", b"Bearer")],
            )
            return
        if self.worker_metrics is not None:  # one of several workers: all of theirs
            body = await self.worker_metrics.exposition()
        else:
            body = await self._own_metrics()
        await send_response(
            send, 200, body, metrics.CONTENT_TYPE, [(b"cache-control", b"no-store")]
        )

    async def _own_metrics(self) -> bytes:
        """This process's metrics, in the Prometheus text format."""
        if self.metrics_in_thread:  # Django's thread for synchronous code: the database
            return await sync_to_async(metrics.exposition)()
        # In the loop, where what the collectors read is changed: never half-changed.
        return metrics.exposition()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    if workers.current is not None:
                        self.worker_metrics = WorkerMetrics(workers.current, self._own_metrics)
                        await self.worker_metrics.start()
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
                if self.worker_metrics is not None:
                    await self.worker_metrics.stop()
                self.access.flush()
                await otel.shutdown()
                logger.info("stopped")
                await send({"type": "lifespan.shutdown.complete"})
                return
