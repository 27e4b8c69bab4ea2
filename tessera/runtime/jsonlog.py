"""JSON-lines logging with the request id and trace id of the request being served.

Every service logs one JSON object per line to stdout, so `up` can prefix and interleave them
and a log shipper can parse them. The ids live in context variables that the ASGI wrapper
sets per request, so log calls anywhere below pick them up without passing them around.
"""

from __future__ import annotations

import json
import logging
import time
from contextvars import ContextVar
from typing import Any

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
trace_id: ContextVar[str | None] = ContextVar("trace_id", default=None)

_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


def describe(error: BaseException) -> str:
    """What went wrong, for a log line's "error": the exception's type and its message (many
    say nothing by themselves: an httpx timeout's message is empty)."""
    message = str(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message, ids, extras."""

    def __init__(self, service: str = "") -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if self.service:
            entry["service"] = self.service
        if rid := request_id.get():
            entry["request_id"] = rid
        if tid := trace_id.get():
            entry["trace_id"] = tid
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
