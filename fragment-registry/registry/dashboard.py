"""The fragment health dashboard: one tile per fragment in the registry's admin, for staff.

Each tile shows what an operator asks first about a fragment: is it serving (the `verdict`,
as a colour), how much (requests/s), how well (error %, p50/p99 latency, a chart of the last
minute), and why not (its breaker, its live instances and their versions). The figures come
from the shells' reports (`ShellReport.traffic`, each shell's last minute in report
intervals): the reports of the last `REPORT_FRESH` are merged here, interval by interval.
The page (`page`) polls `data` every `POLL_S` seconds; both are behind the admin's login.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from registry.admin.health import breaker_summary
from registry.models import (
    REPORT_DEFAULT_INTERVAL_S,
    REPORT_FRESH,
    REPORT_TRAFFIC_POINTS,
    Fragment,
    ShellReport,
    reported_breaker_states,
)

Verdict = Literal["ok", "degraded", "down", "idle"]
#: A traffic point: [t, requests, errors, p50_ms, p99_ms] (see `ShellReport`).
Point = Sequence[Any]

#: Error rates (percent of the last interval's requests) at which a fragment is down, and
#: above which it is degraded.
DOWN_ERROR_PERCENT = 25.0
DEGRADED_ERROR_PERCENT = 1.0
#: Breaker states in which a shell sends a fragment no calls, and in which only trial calls.
BREAKER_DOWN = ("open", "forced_open")
BREAKER_TRYING = ("half_open",)
#: Seconds between the page's polls of `data`.
POLL_S = 2


def verdict(
    *,
    live: int,
    total: int,
    breaker: str | None,
    requests: int,
    errors: int,
    traffic: bool,
    enabled: bool = True,
) -> tuple[Verdict, list[str]]:
    """A fragment's health at a glance, and the reasons for it.

    `live`/`total`: its instances; `breaker`: the worst breaker state the shells report
    (or `forced_open`), None without a report; `requests`/`errors`: its last interval across
    the shells; `traffic`: whether any request was reported in the window at all.

    "down" (red): no live instance, an open breaker, or at least 25 % errors; "degraded"
    (amber): more than 1 % errors, a half-open breaker, or an instance that is not live;
    "idle" (grey): none of these and no traffic, or disabled; "ok" (green) otherwise.
    """
    if not enabled:
        return "idle", ["disabled"]
    error_percent = 100.0 * errors / requests if requests else 0.0
    down = []
    if live == 0:
        down.append("no live instance")
    if breaker in BREAKER_DOWN:
        down.append(f"breaker {breaker.replace('_', ' ')}")
    if error_percent >= DOWN_ERROR_PERCENT:
        down.append(f"{error_percent:.0f} % errors")
    if down:
        return "down", down
    degraded = []
    if error_percent > DEGRADED_ERROR_PERCENT:
        degraded.append(f"{error_percent:.1f} % errors")
    if breaker in BREAKER_TRYING:
        degraded.append("breaker half open")
    if live < total:
        degraded.append(f"{total - live} of {total} instances not live")
    if degraded:
        return "degraded", degraded
    if not traffic:
        return "idle", ["no traffic"]
    return "ok", []


@dataclass(frozen=True)
class Sample:
    """Requests in one interval (or several summed), with their errors and latencies."""

    requests: int = 0
    errors: int = 0
    p50_ms: float | None = None
    p99_ms: float | None = None

    def __add__(self, other: Sample) -> Sample:
        """Summed counts; p50 the request-weighted mean, p99 the worst."""
        requests = self.requests + other.requests
        p50s = [(s.p50_ms, s.requests) for s in (self, other) if s.p50_ms is not None]
        weight = sum(n for _, n in p50s)
        p99s = [s.p99_ms for s in (self, other) if s.p99_ms is not None]
        return Sample(
            requests=requests,
            errors=self.errors + other.errors,
            p50_ms=sum(v * n for v, n in p50s) / weight if weight else None,
            p99_ms=max(p99s) if p99s else None,
        )

    @classmethod
    def of(cls, point: Point) -> Sample:
        _, requests, errors, p50, p99 = point
        return cls(requests, errors, p50, p99)


def bucket(t: float, interval_s: float) -> float:
    """The interval `t` falls in, as its end rounded to a multiple of `interval_s`: shells
    report at different moments, and their points for the same interval meet here."""
    return math.floor(t / interval_s + 0.5) * interval_s


@dataclass(frozen=True)
class Traffic:
    """One fragment's traffic across the shells: the merged points of the window, oldest
    first, and the last interval (each shell's last point, summed)."""

    points: list[tuple[float, Sample]]
    last: Sample
    shells: int

    @property
    def window_requests(self) -> int:
        return sum(sample.requests for _, sample in self.points)


def merge(series: Iterable[Sequence[Point]], interval_s: float, since: float) -> Traffic:
    """Merge each shell's points for one fragment: aligned to `interval_s` buckets, summed,
    those of buckets after `since` kept."""
    buckets: dict[float, Sample] = {}
    last = Sample()
    shells = 0
    for points in series:
        shells += 1
        for point in points:
            key = bucket(point[0], interval_s)
            buckets[key] = buckets.get(key, Sample()) + Sample.of(point)
        if points:
            last += Sample.of(points[-1])
    kept = sorted((t, s) for t, s in buckets.items() if t > since)
    return Traffic(points=kept, last=last, shells=shells)


def worst_breaker(fragment: Fragment, reports: Iterable[ShellReport]) -> str | None:
    """The worst breaker state the reports give for the fragment; `forced_open` when an
    operator forced it open (the shells follow from their next snapshot)."""
    if fragment.breaker_forced == "open":
        return "forced_open"
    states = reported_breaker_states(fragment.name, reports)
    return states[0] if states else None


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    shown = f"{value:.1f}" if value < 10 else f"{value:,.0f}"
    return f"{shown}{unit}"


def _latency(ms: float | None) -> str:
    if ms is not None and ms >= 1000:
        return _number(ms / 1000, " s")
    return _number(ms, " ms")


def tile(
    fragment: Fragment,
    reports: Sequence[ShellReport],
    interval_s: float,
    since: float,
    now: datetime,
) -> dict[str, Any]:
    """One fragment's tile, as the page renders it and `data` sends it: the reports' traffic
    in `interval_s` buckets after `since`, its instances' liveness at `now`. Every figure
    comes formatted too (`text`), so the page's script only places them."""
    traffic = merge(
        (r.traffic[fragment.name] for r in reports if fragment.name in r.traffic),
        interval_s,
        since,
    )
    instances = list(fragment.instances.all())
    live = [i for i in instances if i.is_up(now)]
    breaker = worst_breaker(fragment, reports)
    last = traffic.last
    health, reasons = verdict(
        live=len(live),
        total=len(instances),
        breaker=breaker,
        requests=last.requests,
        errors=last.errors,
        traffic=traffic.window_requests > 0,
        enabled=fragment.enabled,
    )
    reported = traffic.shells > 0
    rate = last.requests / interval_s if reported else None
    error_percent = 100.0 * last.errors / last.requests if last.requests else None
    versions = sorted(Counter(i.version for i in live).items())
    peak = max((s.requests for _, s in traffic.points), default=0) / interval_s
    span = round(REPORT_TRAFFIC_POINTS * interval_s)
    return {
        "name": fragment.name,
        "verdict": health,
        "reasons": reasons,
        "requests_per_s": rate,
        "error_percent": error_percent,
        "p50_ms": last.p50_ms,
        "p99_ms": last.p99_ms,
        "window_requests": traffic.window_requests,
        "window_errors": sum(s.errors for _, s in traffic.points),
        "breaker": breaker,
        "live": len(live),
        "total": len(instances),
        "versions": versions,
        "points": [[t, s.requests, s.errors, s.p50_ms, s.p99_ms] for t, s in traffic.points],
        "text": {
            "verdict": health,
            "reasons": "; ".join(reasons),
            "rate": _number(rate),
            "errors": _number(error_percent, " %"),
            "p50": _latency(last.p50_ms),
            "p99": _latency(last.p99_ms),
            "breaker": breaker_summary(fragment, reports),
            "instances": f"{len(live)}/{len(instances)} live",
            "versions": ", ".join(f"{v} ({n})" for v, n in versions) or "—",
            "chart": f"last {span} s · peak {_number(peak)}/s",
        },
    }


def board(now: datetime | None = None) -> dict[str, Any]:
    """Every registered fragment's tile, from the reports of the last `REPORT_FRESH`, with
    the chart's time axis (the window's last `REPORT_TRAFFIC_POINTS` intervals, ending at the
    newest interval reported: shells' clocks, not this one's)."""
    now = now or timezone.now()
    reports = ShellReport.since(REPORT_FRESH, now)
    with_traffic = [r for r in reports if r.traffic]
    interval_s = max((r.interval_s for r in with_traffic), default=REPORT_DEFAULT_INTERVAL_S)
    ends = [bucket(s[-1][0], interval_s) for r in with_traffic for s in r.traffic.values() if s]
    end = max(ends, default=bucket(now.timestamp(), interval_s))
    start = end - REPORT_TRAFFIC_POINTS * interval_s
    tiles = [
        tile(fragment, reports, interval_s, start, now)
        for fragment in Fragment.objects.prefetch_related("instances")
    ]
    counts = Counter(t["verdict"] for t in tiles)
    return {
        "generated_at": now.isoformat(),
        "interval_s": interval_s,
        "axis": {"start": start, "end": end},
        "shells": len(reports),
        "counts": {v: counts.get(v, 0) for v in ("down", "degraded", "ok", "idle")},
        "fragments": tiles,
    }


def page(request: HttpRequest) -> HttpResponse:
    """The dashboard, rendered with the current tiles; its script keeps them current."""
    context = {
        **admin.site.each_context(request),
        "title": "Fragment health",
        "board": board(),
        "data_url": reverse("registry-dashboard-data"),
        "poll_s": POLL_S,
        "poll_ms": POLL_S * 1000,
    }
    return render(request, "admin/registry/dashboard.html", context)


def data(request: HttpRequest) -> JsonResponse:
    """The tiles as JSON, for the page's polls."""
    return JsonResponse(board())


#: The dashboard's URLs, behind the admin's login (`admin_view`: staff only, never cached);
#: mounted before the admin's own.
urlpatterns = [
    path("admin/dashboard/", admin.site.admin_view(page), name="registry-dashboard"),
    path("admin/dashboard/data", admin.site.admin_view(data), name="registry-dashboard-data"),
]
