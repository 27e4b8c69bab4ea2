"""What a service records of each request it answered: one log line, its metrics, and its
span for OpenTelemetry when export is on (otel.py).

The log line is the request's span, in the JSON-lines log every service writes: its ids
(trace, span, parent span, request), start, duration and status. `manage.py trace` rebuilds a
request's path across services from these lines alone; metrics.py counts the same request
for `/metrics`.

The line goes straight to stdout, next to the logging module's lines and in the same format
(jsonlog.py), not through a logger: a record through `logging` and `JsonFormatter` costs
22 µs, a tenth of a whole composed page; this costs 3, and is written with others. Setting
the `tessera.access` logger's level above INFO (`TESSERA_LOG_LEVEL=WARNING`) still turns the
lines off.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from json.encoder import encode_basestring as quoted  # type: ignore[attr-defined]

from tessera.runtime import metrics, otel
from tessera.runtime.tracing import Hop

logger = logging.getLogger("tessera.access")

#: Longest path written to a log line: a client may send a very long one.
MAX_LOGGED_PATH = 512
#: Seconds an access line may wait for others to be written with; lines in one write.
FLUSH_AFTER = 0.2
BATCH_LINES = 256

_second = -1
_second_text = ""


def _timestamp(now: float) -> str:
    """`now` as jsonlog's "ts": ISO 8601, UTC, milliseconds; formatted once per second."""
    global _second, _second_text
    second = int(now)
    if second != _second:
        _second, _second_text = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
    return f"{_second_text}.{int((now - second) * 1000):03d}Z"


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
            f'{{"ts": "{_timestamp(hop.start + duration)}", "level": "info", '
            f'"logger": "tessera.access", "msg": "access", "service": {self._service}, '
            f'"request_id": "{hop.request_id}", "trace_id": "{hop.trace_id}", '
            f'"span_id": "{hop.span_id}", "parent_span_id": "{hop.parent_span_id}", '
            f'"start": {hop.start:.6f}, "duration_ms": {duration * 1000:.3f}, '
            f'"status": {status}, "method": {quoted(method)}, '
            f'"path": {quoted(path)}, "route": {quoted(route)}{detail}}}\n'
        )
        if len(lines) == 1:
            try:
                asyncio.get_running_loop().call_later(FLUSH_AFTER, self.flush)
            except RuntimeError:  # no loop (a synchronous caller): nothing to wait for
                self.flush()
        elif len(lines) >= BATCH_LINES:
            self.flush()

    def flush(self) -> None:
        """Write the lines kept so far."""
        if self._lines:
            text = "".join(self._lines)
            self._lines.clear()
            sys.stdout.write(text)
