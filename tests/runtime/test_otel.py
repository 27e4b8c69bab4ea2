"""OpenTelemetry export (tessera.runtime.otel and .otlp): spans of requests, with the ids of
their hops, reach a tiny OTLP/HTTP collector on loopback; with export off, nothing of
OpenTelemetry is even imported."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from tessera.runtime import otel
from tessera.runtime.env import REPO_ROOT
from tessera.runtime.otlp import HopExporter
from tessera.runtime.tracing import Hop

pytestmark = pytest.mark.timeout(60)

#: How long a test waits for spans, a service or a process: far longer than any should take.
PATIENCE = 10.0

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"


@dataclass
class Received:
    service: str  # the resource's service.name
    scope: str
    span: Span

    def attributes(self) -> dict[str, str | int]:
        return {
            a.key: a.value.int_value if a.value.HasField("int_value") else a.value.string_value
            for a in self.span.attributes
        }


class Collector(ThreadingHTTPServer):
    """An OTLP/HTTP collector of traces: keeps every span POSTed to /v1/traces."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Receive)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.received: list[Received] = []
        self.arrived = threading.Condition()

    def keep(self, request: ExportTraceServiceRequest) -> None:
        with self.arrived:
            for resource_spans in request.resource_spans:
                service = next(
                    a.value.string_value
                    for a in resource_spans.resource.attributes
                    if a.key == "service.name"
                )
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        self.received.append(Received(service, scope_spans.scope.name, span))
            self.arrived.notify_all()

    def spans(self, count: int) -> list[Received]:
        """The spans received, once there are at least `count`."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.received) >= count, PATIENCE):
                pytest.fail(f"{len(self.received)} spans arrived, not {count}")
            return list(self.received)


class _Receive(BaseHTTPRequestHandler):
    server: Collector

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path != "/v1/traces" or self.headers["Content-Type"] != "application/x-protobuf":
            self.send_error(404)
            return
        self.server.keep(ExportTraceServiceRequest.FromString(body))
        reply = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test says what went wrong."""


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(PATIENCE)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def hop(**changes: str | float) -> Hop:
    fields = {
        "request_id": "req-0123456789",
        "trace_id": CALLER_TRACE,
        "span_id": "b7ad6b7169203331",
        "parent_span_id": CALLER_SPAN,
        "start": 1_700_000_000.25,
    }
    return Hop(**{**fields, **changes})


def exported(collector: Collector, service: str, *hops_answered: tuple) -> list[Received]:
    """What `collector` receives of `hops_answered`, (hop, method, path, status, duration)
    each, exported in-process by a `HopExporter` of `service` that is then shut down."""
    exporter = HopExporter(OTLPSpanExporter(endpoint=f"{collector.url}/v1/traces"))
    for answered in hops_answered:
        exporter.export(service, *answered)
    exporter.shutdown()
    return collector.spans(len(hops_answered))


def test_a_hop_becomes_a_server_span_with_its_own_ids_times_and_attributes(collector):
    page = hop(route="page", detail='fetch;dur=12.5;desc="hero"')
    [received] = exported(collector, "shell", (page, "GET", "/shop", 200, 0.125))
    span = received.span
    assert received.service == "shell"
    assert received.scope == "tessera.runtime"
    assert span.trace_id.hex() == CALLER_TRACE
    assert span.span_id.hex() == "b7ad6b7169203331"
    assert span.parent_span_id.hex() == CALLER_SPAN
    assert span.name == "GET page"
    assert span.kind == Span.SPAN_KIND_SERVER
    assert span.start_time_unix_nano == 1_700_000_000_250_000_000
    assert span.end_time_unix_nano == 1_700_000_000_375_000_000
    assert span.status.code == Status.STATUS_CODE_UNSET
    assert received.attributes() == {
        "http.request.method": "GET",
        "url.path": "/shop",
        "http.route": "page",
        "http.response.status_code": 200,
        "tessera.request_id": "req-0123456789",
        "tessera.server_timing": 'fetch;dur=12.5;desc="hero"',
    }


def test_a_hop_that_starts_its_trace_has_no_parent_and_a_5xx_is_an_error(collector):
    [received] = exported(collector, "hero", (hop(parent_span_id=""), "POST", "/x", 503, 0.01))
    span = received.span
    assert span.trace_id.hex() == CALLER_TRACE
    assert span.parent_span_id == b""
    assert span.name == "POST"  # no route matched: the method alone, as the conventions say
    assert span.status.code == Status.STATUS_CODE_ERROR
    attributes = received.attributes()
    assert attributes["error.type"] == "503"
    assert "http.route" not in attributes


def test_otel_service_name_names_every_span(collector, monkeypatch):
    monkeypatch.setenv("OTEL_SERVICE_NAME", "storefront")
    [received] = exported(collector, "shell", (hop(), "GET", "/", 200, 0.01))
    assert received.service == "storefront"


def test_shutdown_sends_the_spans_still_queued(collector, monkeypatch):
    exporter = HopExporter(OTLPSpanExporter(endpoint=f"{collector.url}/v1/traces"))
    monkeypatch.setattr(otel, "exporter", exporter)
    exporter.export("shell", hop(), "GET", "/", 200, 0.01)
    asyncio.run(otel.shutdown())
    assert len(collector.received) == 1  # sent by the time shutdown returns


def test_a_dead_collector_costs_a_request_nothing_and_a_stop_no_more_than_its_wait():
    exporter = HopExporter(OTLPSpanExporter(endpoint=f"http://127.0.0.1:{free_port()}/v1/traces"))
    began = time.perf_counter()
    for _ in range(5000):  # more than the queue holds: the rest are dropped, not waited for
        exporter.export("shell", hop(), "GET", "/", 200, 0.01)
    assert time.perf_counter() - began < 2.0  # well under 1 ms a span, retries included
    began = time.perf_counter()
    exporter.shutdown(wait=0.5)  # gives up, raising nothing: the collector's retries take 7 s
    assert time.perf_counter() - began < 2.0


def python(code: str, **env: str) -> str:
    """What `code` prints in a fresh interpreter, with OTLP export configured only by `env`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=PATIENCE * 3,
        check=True,
    )
    return result.stdout.strip()


def test_without_an_endpoint_nothing_of_opentelemetry_is_imported():
    printed = python(
        "import sys, tessera.runtime.asgi, tessera.runtime.otel as otel;"
        "print(otel.exporter, any(m.startswith('opentelemetry') for m in sys.modules))"
    )
    assert printed == "None False"


@pytest.mark.parametrize(
    "switch", ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
)
def test_an_endpoint_switches_export_on(switch):
    printed = python(
        "import tessera.runtime.otel as otel; print(type(otel.exporter).__name__)",
        **{switch: f"http://127.0.0.1:{free_port()}"},
    )
    assert printed == "HopExporter"


#: The echo service under `tessera.runtime.serve`, logging JSON lines as the services do.
SERVE_LOGGING = """
import logging.config, sys
from tessera.runtime.jsonlog import logging_config
from tessera.runtime.serve import main
logging.config.dictConfig(logging_config("echo"))
main(sys.argv[1:])
"""


@pytest.mark.integration
def test_a_service_exports_each_request_s_span_when_it_stops(collector):
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env = {
        **clean,
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
        "OTEL_BSP_SCHEDULE_DELAY": "600000",  # no batch before the process stops: only its exit
    }
    command = ["tests.runtime.echo_service:app", "--port", str(port), "--drain", "0"]
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE_LOGGING, *command],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        else:
            pytest.fail("the service did not start")
        traced = {
            "traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-01",
            "x-request-id": "caller-request-1",
        }
        assert httpx.get(f"{base}/traced", headers=traced, timeout=PATIENCE).status_code == 200
        assert httpx.get(f"{base}/untraced", timeout=PATIENCE).status_code == 200
        assert collector.received == []  # held in the queue until the process stops
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=PATIENCE * 2)
    logged = {
        line["path"]: line
        for line in map(json.loads, output.splitlines())
        if line["logger"] == "tessera.access"
    }
    spans = {r.attributes()["url.path"]: r for r in collector.spans(2)}
    assert {r.service for r in spans.values()} == {"echo"}

    traced_span = spans["/traced"].span
    assert traced_span.trace_id.hex() == CALLER_TRACE
    assert traced_span.parent_span_id.hex() == CALLER_SPAN
    assert traced_span.span_id.hex() == logged["/traced"]["span_id"]  # the log's ids, too
    assert traced_span.name == "GET"
    assert traced_span.status.code == Status.STATUS_CODE_UNSET
    assert spans["/traced"].attributes() == {
        "http.request.method": "GET",
        "url.path": "/traced",
        "http.response.status_code": 200,
        "tessera.request_id": "caller-request-1",
    }

    root = spans["/untraced"].span
    assert root.parent_span_id == b""
    assert root.trace_id.hex() == logged["/untraced"]["trace_id"] != CALLER_TRACE
    assert root.span_id.hex() == logged["/untraced"]["span_id"]
