"""What a service records of each request it answered: one log line, its metrics, and its
span for OpenTelemetry when export is on (otel.py).

The log line is the request's span, in the JSON-lines log every service writes: its ids
(trace, span, parent span, request), start, duration and status. `manage.py trace` rebuilds a
request's path across services from these lines alone; metrics.py counts the same request
for `/metrics`.

The line goes straight to stdout, next to the logging module's lines and in the same format
(jsonlog.py), not through a logger: a record through `logging` and `JsonFormatter` costs
22 µs, a tenth of a whole composed page; this costs 2.5, and is written with others. Setting
the `tessera.access` logger's level above INFO (`TESSERA_LOG_LEVEL=WARNING`) still turns the
lines off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from json.encoder import encode_basestring_ascii as quoted  # type: ignore[attr-defined]

from tessera.runtime import metrics, otel
from tessera.runtime.jsonlog import timestamp
from tessera.runtime.tracing import Hop

logger = logging.getLogger("tessera.access")

#: Longest path written to a log line: a client may send a very long one.
MAX_LOGGED_PATH = 512
#: Seconds an access line may wait for others to be written with; lines in one write.
FLUSH_AFTER = 0.2
BATCH_LINES = 256


class AccessLog:
    """The access lines and request metrics of one service.

    Lines are written in batches, at most `FLUSH_AFTER` seconds after the first of a batch
    (or at `BATCH_LINES`): one write for many requests rather than one each (services run
    with unbuffered output, so that other lines show at once).
    """

    def __init__(self, service: str) -> None:
        self.service = service
        self._service = quoted(service)
        self._lines: list[str] = []
        #: The loop a flush is scheduled on, if any: a new loop (tests run one after another)
        #: gets a flush of its own, not one left behind on a loop that ended.
        self._flush_on: asyncio.AbstractEventLoop | None = None

    def finished(
        self, hop: Hop, method: str, path: str, status: int, duration: float, ttfb: float
    ) -> None:
        """Record a request answered with `status` after `duration` seconds (its status and
        headers after `ttfb`)."""
        route = hop.route or "(unmatched)"
        metrics.requests.record(route, method, status, duration, ttfb)
        path = path[:MAX_LOGGED_PATH]
        if otel.exporter is not None:
            otel.exporter.export(self.service, hop, method, path, status, duration)
        if not logger.isEnabledFor(logging.INFO):
            return
        detail = f', "detail": {quoted(hop.detail)}' if hop.detail else ""
        # Every value is either made here (ids, numbers), checked (a caller's request id), or
        # quoted.
        lines = self._lines
        lines.append(
            f'{{"ts": "{timestamp(hop.start + duration)}", "level": "info", '
            f'"logger": "tessera.access", "msg": "access", "service": {self._service}, '
            f'"request_id": "{hop.request_id}", "trace_id": "{hop.trace_id}", '
            f'"span_id": "{hop.span_id}", "parent_span_id": "{hop.parent_span_id}", '
            f'"start": {hop.start:.6f}, "duration_ms": {duration * 1000:.3f}, '
            f'"status": {status}, "method": {quoted(method)}, '
            f'"path": {quoted(path)}, "route": {quoted(route)}{detail}}}\n'
        )
        if len(lines) >= BATCH_LINES:
            self.flush()
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a synchronous caller): nothing to wait for
            self.flush()
            return
        if self._flush_on is not loop:
            self._flush_on = loop
            loop.call_later(FLUSH_AFTER, self.flush)

    def flush(self) -> None:
        """Write the lines kept so far. Output that is gone (a closed pipe) loses them
        rather than failing the request that happened to fill the batch."""
        self._flush_on = None
        if self._lines:
            text = "".join(self._lines)
            self._lines.clear()
            with contextlib.suppress(OSError, ValueError):  # ValueError: stdout closed
                sys.stdout.write(text)
