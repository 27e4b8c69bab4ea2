"""Each request a service answered, as an OpenTelemetry SERVER span sent over OTLP/HTTP.

Imported only when export is on (otel.py). A request's span is its hop (tracing.py), which
has already happened: its ids, start and duration are known. So the span is built whole, as
a `ReadableSpan`, and handed to a `BatchSpanProcessor`, rather than started and ended through
a `Tracer`, which would make ids of its own and not the ones the access log and downstream
services already carry.

The processor queues spans (at most `OTEL_BSP_MAX_QUEUE_SIZE`, 2048 by default; more are
dropped) and sends them from a thread of its own, so a slow or dead collector costs a request
nothing. The OTLP exporter reads the standard `OTEL_EXPORTER_OTLP_*` variables (endpoint,
headers, timeout, compression) and logs the batches it fails to send.
"""

from __future__ import annotations

import os

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode, TraceFlags

from tessera.runtime.tracing import Hop

#: How long a stopping service waits for its collector to take the spans still queued, at
#: most: past it they are dropped, so that a dead collector delays a stop by no more.
STOP_WAIT = 5.0

#: What made the spans, as a collector shows it.
SCOPE = InstrumentationScope("tessera.runtime")

_SAMPLED = TraceFlags(TraceFlags.SAMPLED)  # every hop's traceparent says sampled (tracing.py)
_OK = Status(StatusCode.UNSET)  # a server span's status is left unset unless it failed
_ERROR = Status(StatusCode.ERROR)


class HopExporter:
    """Sends each finished hop, batched, to a collector as a SERVER span."""

    def __init__(self, span_exporter: SpanExporter | None = None) -> None:
        """Send through `span_exporter`: by default, OTLP/HTTP as the environment sets it."""
        self.processor = BatchSpanProcessor(span_exporter or OTLPSpanExporter())
        #: The service name every span carries, when the environment chooses one.
        self.service_name = os.environ.get("OTEL_SERVICE_NAME", "")
        #: What the environment says of the process (`OTEL_RESOURCE_ATTRIBUTES`), read now:
        #: it takes ~15 ms, which no request should wait for.
        self.resource = Resource.create()
        self._resources: dict[str, Resource] = {}

    def export(
        self, service: str, hop: Hop, method: str, path: str, status: int, duration: float
    ) -> None:
        """Queue the span of `hop`, a request `service` answered with `status` after
        `duration` seconds; `path` as the access log has it."""
        attributes: dict[str, str | int] = {  # OpenTelemetry's names for HTTP servers
            "http.request.method": method,
            "url.path": path,
            "http.response.status_code": status,
            "tessera.request_id": hop.request_id,
        }
        if hop.route:
            attributes["http.route"] = hop.route
        if hop.detail:
            attributes["tessera.server_timing"] = hop.detail
        failed = status >= 500
        if failed:
            attributes["error.type"] = str(status)
        trace_id = int(hop.trace_id, 16)
        parent = None
        if hop.parent_span_id:
            parent = SpanContext(trace_id, int(hop.parent_span_id, 16), True, _SAMPLED)
        start = round(hop.start * 1e6) * 1000  # ns, to the µs a float of time.time() holds
        span = ReadableSpan(
            name=f"{method} {hop.route}" if hop.route else method,
            context=SpanContext(trace_id, int(hop.span_id, 16), False, _SAMPLED),
            parent=parent,
            resource=self._resource(service),
            attributes=attributes,
            kind=SpanKind.SERVER,
            status=_ERROR if failed else _OK,
            start_time=start,
            end_time=start + round(duration * 1e9),
            instrumentation_scope=SCOPE,
        )
        self.processor.on_end(span)

    def shutdown(self, wait: float = STOP_WAIT) -> None:
        """Send the spans still queued, for at most `wait` seconds, and stop.

        Through the processor's inner batcher: `BatchSpanProcessor.shutdown` takes no time
        limit and, against a dead collector, gives every queued batch the whole export timeout
        (`OTEL_EXPORTER_OTLP_TIMEOUT`, 10 s), up to 30 s in all.
        """
        self.processor._batch_processor.shutdown(timeout_millis=round(wait * 1000))

    def _resource(self, service: str) -> Resource:
        """The resource of `service`'s spans: the process's, named for the service."""
        resource = self._resources.get(service)
        if resource is None:
            named = Resource({SERVICE_NAME: self.service_name or service})
            resource = self._resources[service] = self.resource.merge(named)
        return resource
