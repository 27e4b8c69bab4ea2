"""OpenTelemetry export of every request's span: on when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.

With the variable set (e.g. `http://localhost:4318`, an OpenTelemetry collector or Jaeger),
each request a service answers is also sent to it as an OTLP span (otlp.py), besides its
access log line; `shutdown`, at the end of the service's lifespan, sends those still queued.
Without it, `exporter` is None and nothing of OpenTelemetry is imported: a request pays one
`is None` test.
"""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tessera.runtime.otlp import HopExporter

#: The variables that switch export on: the standard endpoint of every signal, or of traces.
SWITCHES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


def configure() -> HopExporter | None:
    """The exporter the environment asks for; None when export is off."""
    if not any(os.environ.get(name) for name in SWITCHES):
        return None
    from tessera.runtime.otlp import HopExporter  # only now: the SDK takes ~100 ms to import

    return HopExporter()


#: This process's exporter, or None when export is off.
exporter = configure()


async def shutdown() -> None:
    """Send the spans still queued and stop exporting, at the end of a service's lifespan.

    Not at exit (`atexit`): uvicorn ends its process, once it has shut down after a SIGTERM,
    by raising that signal again, which kills it without running `atexit` functions.
    """
    if exporter is not None:
        await asyncio.to_thread(exporter.shutdown)  # may wait for a collector: not in the loop
