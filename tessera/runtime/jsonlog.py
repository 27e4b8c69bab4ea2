"""JSON-lines logging with the ids of the request being served.

Every service logs one JSON object per line to stdout, so `up` can prefix and interleave them
and a log shipper can parse them. A line logged while a request is served carries its
request id, trace id and span id, taken from the hop `ServiceApp` keeps in a context
variable (tracing.py), so log calls anywhere below need not pass them around.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from tessera.runtime.tracing import current

_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


_second = -1
_second_text = ""


def timestamp(now: float) -> str:
    """`now` (seconds since the epoch) as every log line's "ts": ISO 8601, UTC, milliseconds,
    e.g. `2026-11-30T17:50:01.123Z` (the part to the second formatted once a second)."""
    global _second, _second_text
    second = int(now)
    if second != _second:
        _second, _second_text = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
    return f"{_second_text}.{int((now - second) * 1000):03d}Z"


def describe(error: BaseException) -> str:
    """What went wrong, for a log line's "error": the exception's type and its message (many
    say nothing by themselves: an httpx timeout's message is empty)."""
    message = str(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def failure(error: BaseException, started: float, **where: Any) -> dict[str, Any]:
    """A failure log line's extras: where it happened (`where`: the URL, the instance…),
    why (`describe`) and after how long since `started` (a `time.monotonic()`)."""
    return {**where, "error": describe(error),
            "duration_ms": round((time.monotonic() - started) * 1000, 1)}  # fmt: skip


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message, ids, extras."""

    def __init__(self, service: str = "") -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if self.service:
            entry["service"] = self.service
        if (hop := current.get()) is not None:
            entry["request_id"] = hop.request_id
            entry["trace_id"] = hop.trace_id
            entry["span_id"] = hop.span_id
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def logging_config(service: str, level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` dict sending every logger to stdout as JSON lines."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter, "service": service}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            }
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            "django": {"level": level, "propagate": True},
            "uvicorn": {"level": "WARNING", "propagate": True},
            "httpx": {"level": "WARNING", "propagate": True},
        },
    }
