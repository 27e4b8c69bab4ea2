"""Metrics every service exposes at `/metrics`, in the Prometheus text format.

Exposition is prometheus-client's (its default registry, with the process and GC collectors
it brings: RSS, open files, CPU). Counting is not: on the shell's page path a labelled
prometheus-client histogram costs a microsecond per observation, several per page, where a
list index and two additions cost a tenth of that. So what is counted per request lives in
plain objects (`Latencies`, `RequestMetrics`), and collectors turn them into metric families
only when scraped.
"""

from __future__ import annotations

import hmac
from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

#: Upper bounds, in seconds, of the latency buckets (Prometheus' defaults, down to 1 ms:
#: composition is counted in milliseconds).
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_BOUNDS = [*(repr(bound) for bound in BUCKETS), "+Inf"]
#: Methods counted by name; any other is "other" (a client may send any token as a method).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class Latencies:
    """A latency histogram's counts: per bucket (not cumulative), and the sum in seconds.

    Observing is `counts[bisect_left(BUCKETS, seconds)] += 1; total += seconds`, written out
    where it happens: on the page path a method call costs as much as the observation.
    """

    __slots__ = ("counts", "total")

    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)
        self.total = 0.0

    def cumulative(self) -> list[tuple[str, float]]:
        """The buckets as Prometheus wants them: (upper bound, observations up to it)."""
        running, buckets = 0, []
        for bound, count in zip(_BOUNDS, self.counts, strict=True):
            running += count
            buckets.append((bound, running))
        return buckets


def quantile(counts: list[int], q: float) -> float | None:
    """The `q` quantile, in seconds, of the observations in per-bucket `counts` (as kept by
    `Latencies`), interpolated within its bucket as Prometheus' `histogram_quantile` does;
    None without observations."""
    total = sum(counts)
    if total == 0:
        return None
    rank, running = q * total, 0
    for index, count in enumerate(counts):
        if count and running + count >= rank:
            if index == len(BUCKETS):  # beyond the last bound: that bound is all we know
                return BUCKETS[-1]
            lower = BUCKETS[index - 1] if index else 0.0
            return lower + (BUCKETS[index] - lower) * (rank - running) / count
        running += count
    return BUCKETS[-1]


def add_latencies(family: HistogramMetricFamily, labels: list[str], latencies: Latencies) -> None:
    family.add_metric(labels, latencies.cumulative(), latencies.total)


class RequestMetrics(Collector):
    """Requests a service answered, by route, method and status; latency and time to the
    first byte by route. `route` is what the app named the request's route (a Django URL
    pattern, the shell's page), never the raw path: a client cannot mint label values."""

    def __init__(self) -> None:
        self.requests: dict[tuple[str, str, int], int] = {}
        self.durations: dict[str, Latencies] = {}
        self.first_bytes: dict[str, Latencies] = {}

    def record(self, route: str, method: str, status: int, duration: float, ttfb: float) -> None:
        # A client may send any token as its method: only the usual ones get a key of their own.
        key = (route, method if method in METHODS else "other", status)
        requests = self.requests
        requests[key] = requests.get(key, 0) + 1
        durations = self.durations.get(route)
        if durations is None:  # first_bytes first: a scrape reads durations' routes there
            self.first_bytes[route] = Latencies()
            durations = self.durations[route] = Latencies()
        # Latencies.observe, inlined: this runs for every request.
        durations.counts[bisect_left(BUCKETS, duration)] += 1
        durations.total += duration
        first_bytes = self.first_bytes[route]
        first_bytes.counts[bisect_left(BUCKETS, ttfb)] += 1
        first_bytes.total += ttfb

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "tessera_http_requests", "Requests answered", labels=["route", "method", "status"]
        )
        for (route, method, status), count in sorted(self.requests.items()):
            requests.add_metric([route, method, str(status)], count)
        yield requests
        durations = HistogramMetricFamily(
            "tessera_http_request_duration_seconds",
            "Time from a request's start to its response's end",
            labels=["route"],
        )
        first_bytes = HistogramMetricFamily(
            "tessera_http_time_to_first_byte_seconds",
            "Time from a request's start to its response's status and headers",
            labels=["route"],
        )
        for route, latencies in sorted(self.durations.items()):
            add_latencies(durations, [route], latencies)
            add_latencies(first_bytes, [route], self.first_bytes[route])
        yield durations
        yield first_bytes


#: This process's request metrics (one ServiceApp per process).
requests = RequestMetrics()
REGISTRY.register(requests)


def authorised(token: str, authorization: str | None) -> bool:
    """Whether an `Authorization` header value carries `token` as its bearer token."""
    if not token or authorization is None:
        return False
    expected = b"Bearer " + token.encode()
    return hmac.compare_digest(authorization.encode("latin-1"), expected)


#: The content type of a `/metrics` answer.
CONTENT_TYPE = CONTENT_TYPE_LATEST.encode()


def exposition() -> bytes:
    """This process's metrics: the body of a `/metrics` answer (of type `CONTENT_TYPE`)."""
    return generate_latest(REGISTRY)
