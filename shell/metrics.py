"""The shell's metrics: what became of each fragment, and the state the engine keeps.

`FragmentMetrics` subscribes to the engine's `fragment_resolved` event and counts, per
fragment, each outcome (with how it was had: a cache hit, a stale copy, breaker open…) and
the latency of those that were fetched; at scrape time it also reports the breakers, the
fragment cache and the age of the registry snapshot. The same counts feed the traffic
windows the shell reports to the registry's dashboard (`windows`), so one count serves both.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Collection, Iterator

from prometheus_client import REGISTRY
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from shell.engine import Outcome, breakers, cache, fragment_resolved
from shell.engine.breaker import CLOSED, DISABLED, FORCED_OPEN, HALF_OPEN, OPEN
from tessera.runtime.metrics import BUCKETS, Latencies, add_latencies, quantile

#: Report intervals the dashboard's rolling chart shows (a minute, at one report per 2 s).
WINDOWS_KEPT = 30
BREAKER_STATES = (CLOSED, OPEN, HALF_OPEN, FORCED_OPEN, DISABLED)
#: How outcomes were had without a fetch of their own (outcome.VIAS): they count as
#: placements, not in the fetch latencies (a cache hit's 0 ms says nothing of the fragment).
NOT_FETCHED = frozenset({"hit", "stale", "coalesced", "breaker-open", "bulkhead-full"})


class FragmentCounts:
    """One fragment's counts since the shell started."""

    __slots__ = ("errors", "hits", "latencies", "outcomes")

    def __init__(self) -> None:
        self.latencies = Latencies()
        self.outcomes: dict[tuple[str, str], int] = {}  # (kind, via) -> count, but for hits
        self.hits = 0  # fresh copies from the cache: ("ok", "hit") outcomes, never errors
        self.errors = 0  # outcomes with an error: whatever stood in for the fragment

    def placements(self) -> dict[tuple[str, str], int]:
        """Every outcome's count, by (kind, via)."""
        placements = dict(self.outcomes)
        if self.hits:
            placements["ok", "hit"] = self.hits
        return placements


class FragmentMetrics(Collector):
    """Per-fragment counts from the `fragment_resolved` event, and the engine's state."""

    def __init__(
        self,
        snapshot_confirmed: Callable[[], float | None],
        known: Callable[[], Collection[str]] | None = None,
    ) -> None:
        self.fragments: dict[str, FragmentCounts] = {}
        self.snapshot_confirmed = snapshot_confirmed
        #: The fragments the shell knows now (None: all it counted): the counts of any other
        #: are dropped with the next window, so a fragment deleted from the registry leaves
        #: the metrics and the reports (which the registry bounds) rather than stay for good.
        self.known = known
        self._last_end = 0.0
        # What the last traffic window ended at, per fragment: (placements, errors, buckets).
        self._last: dict[str, tuple[int, int, list[int]]] = {}
        self._windows: dict[str, deque[list[float | int | None]]] = {}

    @classmethod
    def install(
        cls,
        snapshot_confirmed: Callable[[], float | None],
        known: Callable[[], Collection[str]] | None = None,
    ) -> FragmentMetrics:
        """A new instance, subscribed to the engine's events and exposed at `/metrics`."""
        installed = cls(snapshot_confirmed, known)
        fragment_resolved.append(installed.record)
        REGISTRY.register(installed)
        return installed

    def record(self, outcome: Outcome, request_id: str) -> None:
        """The `fragment_resolved` subscriber: count `outcome`."""
        counts = self.fragments.get(outcome.name)
        if counts is None:
            counts = self.fragments[outcome.name] = FragmentCounts()
        if outcome.via == "hit":  # most placements of a busy shop: counted in one step
            counts.hits += 1
            return
        if outcome.via not in NOT_FETCHED:
            # Latencies.observe, inlined: this runs for most fragments of every page.
            seconds = outcome.duration_ms / 1000
            latencies = counts.latencies
            latencies.counts[bisect_left(BUCKETS, seconds)] += 1
            latencies.total += seconds
        outcomes = counts.outcomes
        key = (outcome.kind, outcome.via)
        outcomes[key] = outcomes.get(key, 0) + 1
        if outcome.error:
            counts.errors += 1

    def windows(self, now: float | None = None) -> dict[str, list[list[float | int | None]]]:
        """Close the current traffic window, and return the last `WINDOWS_KEPT` of each
        fragment, oldest first: [end (unix time), placements, errors, p50 ms, p99 ms] (the
        percentiles of its fetches: None for a window without any). Each window ends after
        the one before, even if the clock was set back meanwhile."""
        end = max(round(time.time() if now is None else now, 3), self._last_end + 0.001)
        self._last_end = end
        if self.known is not None:
            known = self.known()
            for name in [name for name in self.fragments if name not in known]:
                del self.fragments[name]
                self._last.pop(name, None)
                self._windows.pop(name, None)
        for name, counts in self.fragments.items():
            placements = sum(counts.outcomes.values()) + counts.hits
            buckets = list(counts.latencies.counts)
            last = self._last.get(name)
            if last is None:
                last = (0, 0, [0] * len(buckets))
            self._last[name] = (placements, counts.errors, buckets)
            delta = [after - before for after, before in zip(buckets, last[2], strict=True)]
            p50, p99 = quantile(delta, 0.5), quantile(delta, 0.99)
            window = self._windows.setdefault(name, deque(maxlen=WINDOWS_KEPT))
            window.append(
                [
                    end,
                    placements - last[0],
                    counts.errors - last[1],
                    None if p50 is None else round(p50 * 1000, 2),
                    None if p99 is None else round(p99 * 1000, 2),
                ]
            )
        return {name: list(window) for name, window in self._windows.items()}

    def collect(self) -> Iterator[Metric]:
        outcomes = CounterMetricFamily(
            "tessera_fragment_outcomes",
            "Placements resolved, by what became of them (outcome) and how (via: hit, stale, "
            "miss, breaker-open…; empty when simply fetched)",
            labels=["fragment", "outcome", "via"],
        )
        errors = CounterMetricFamily(
            "tessera_fragment_errors",
            "Placements whose fragment failed (a stand-in or nothing was shown)",
            labels=["fragment"],
        )
        durations = HistogramMetricFamily(
            "tessera_fragment_duration_seconds",
            "Time to resolve a placement that was fetched (not served from the cache, nor "
            "refused by its breaker or bulkhead), its fallbacks included",
            labels=["fragment"],
        )
        for name, counts in sorted(self.fragments.items()):
            for (kind, via), count in sorted(counts.placements().items()):
                outcomes.add_metric([name, kind, via], count)
            errors.add_metric([name], counts.errors)
            add_latencies(durations, [name], counts.latencies)
        yield from (outcomes, errors, durations)
        yield self._breakers()
        yield GaugeMetricFamily(
            "tessera_fragment_cache_bytes", "Bytes the fragment cache holds", value=cache.bytes
        )
        yield GaugeMetricFamily(
            "tessera_fragment_cache_entries", "Entries the fragment cache holds", value=len(cache)
        )
        confirmed = self.snapshot_confirmed()
        if confirmed is not None:
            yield GaugeMetricFamily(
                "tessera_snapshot_age_seconds",
                "Seconds since the registry last confirmed the shell's snapshot",
                value=time.monotonic() - confirmed,
            )

    @staticmethod
    def _breakers() -> GaugeMetricFamily:
        states = GaugeMetricFamily(
            "tessera_breaker_state",
            "1 for the state each fragment's circuit breaker is in, 0 for the others",
            labels=["fragment", "state"],
        )
        for name, report in breakers.report().items():
            for state in BREAKER_STATES:
                states.add_metric([name, state], 1.0 if report["state"] == state else 0.0)
        return states
