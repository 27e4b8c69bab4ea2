"""The shell's metrics: outcomes and latencies per fragment, the engine's state, and the
traffic windows the registry's dashboard draws."""

import time

from prometheus_client import CollectorRegistry, generate_latest

from shell.engine import Outcome
from shell.engine.breaker import BreakerSettings
from shell.engine.config import FragmentConfig
from shell.metrics import WINDOWS_KEPT, FragmentMetrics
from tests.prometheus import samples


def scrape(metrics: FragmentMetrics) -> dict[str, float]:
    registry = CollectorRegistry()
    registry.register(metrics)
    return samples(generate_latest(registry).decode())


def test_each_outcome_is_counted_by_fragment_kind_and_how_it_was_had():
    metrics = FragmentMetrics(lambda: None)
    metrics.record(Outcome("header", "ok", duration_ms=3.0), "r1")
    metrics.record(Outcome("header", "ok", duration_ms=0.0, via="hit"), "r2")
    metrics.record(Outcome("header", "ok", duration_ms=0.0, via="hit"), "r3")
    metrics.record(Outcome("reviews", "fallback", duration_ms=800.0, error="timeout"), "r4")
    scraped = scrape(metrics)
    assert scraped['tessera_fragment_outcomes_total{fragment="header",outcome="ok",via=""}'] == 1
    assert scraped['tessera_fragment_outcomes_total{fragment="header",outcome="ok",via="hit"}'] == 2
    assert (
        scraped['tessera_fragment_outcomes_total{fragment="reviews",outcome="fallback",via=""}']
        == 1
    )
    assert scraped['tessera_fragment_errors_total{fragment="header"}'] == 0
    assert scraped['tessera_fragment_errors_total{fragment="reviews"}'] == 1
    # Latency histogram of fetches (cache hits are not): 3 ms falls in the 5 ms bucket, not
    # the 2.5 ms one; 800 ms in the 1 s one.
    assert scraped['tessera_fragment_duration_seconds_bucket{fragment="header",le="0.0025"}'] == 0
    assert scraped['tessera_fragment_duration_seconds_bucket{fragment="header",le="0.005"}'] == 1
    assert scraped['tessera_fragment_duration_seconds_bucket{fragment="reviews",le="0.5"}'] == 0
    assert scraped['tessera_fragment_duration_seconds_bucket{fragment="reviews",le="1.0"}'] == 1
    assert scraped['tessera_fragment_duration_seconds_count{fragment="header"}'] == 1
    assert scraped['tessera_fragment_duration_seconds_sum{fragment="reviews"}'] == 0.8


def test_breaker_states_the_cache_and_the_snapshot_age_are_reported():
    FragmentConfig("gauged", breaker=BreakerSettings(forced="open"))
    confirmed = [None]
    metrics = FragmentMetrics(lambda: confirmed[0])
    scraped = scrape(metrics)
    assert scraped['tessera_breaker_state{fragment="gauged",state="forced_open"}'] == 1
    assert scraped['tessera_breaker_state{fragment="gauged",state="closed"}'] == 0
    assert "tessera_fragment_cache_bytes" in scraped
    assert "tessera_snapshot_age_seconds" not in scraped  # never confirmed: no age to tell
    confirmed[0] = time.monotonic() - 7
    assert 7 <= scrape(metrics)["tessera_snapshot_age_seconds"] < 60


def test_traffic_windows_hold_each_intervals_requests_errors_and_percentiles():
    metrics = FragmentMetrics(lambda: None)
    for duration in [1.0] * 98 + [40.0, 40.0]:
        metrics.record(Outcome("hero", "ok", duration_ms=duration), "r")
    metrics.record(Outcome("hero", "fallback", duration_ms=900.0, error="5xx"), "r")
    (first,) = metrics.windows(now=1000.0)["hero"]
    end, requests, errors, p50, p99 = first
    assert (end, requests, errors) == (1000.0, 101, 1)
    assert p50 <= 1.0  # within the first bucket (up to 1 ms)
    assert 25 < p99 <= 50  # within the 25-50 ms bucket
    # The next window holds only what came since.
    metrics.record(Outcome("hero", "ok", duration_ms=3.0), "r")
    second = metrics.windows(now=1002.0)["hero"][-1]
    assert second[:3] == [1002.0, 1, 0] and 2.5 < second[3] <= 5
    # A window without requests has no percentiles; nor one of cache hits only.
    assert metrics.windows(now=1004.0)["hero"][-1] == [1004.0, 0, 0, None, None]
    metrics.record(Outcome("hero", "ok", duration_ms=0.0, via="hit"), "r")
    assert metrics.windows(now=1006.0)["hero"][-1] == [1006.0, 1, 0, None, None]


def test_only_the_last_windows_are_kept():
    metrics = FragmentMetrics(lambda: None)
    metrics.record(Outcome("hero", "ok", duration_ms=1.0), "r")
    for second in range(WINDOWS_KEPT + 5):
        windows = metrics.windows(now=float(second))["hero"]
    assert len(windows) == WINDOWS_KEPT
    assert windows[0][0] == 5.0 and windows[-1][0] == WINDOWS_KEPT + 4


def test_a_fragment_the_shell_no_longer_knows_leaves_the_metrics_and_the_reports():
    known = {"hero", "header"}
    metrics = FragmentMetrics(lambda: None, lambda: known)
    for name in ("hero", "header"):
        metrics.record(Outcome(name, "ok", duration_ms=1.0), "r")
    assert set(metrics.windows(now=10.0)) == {"hero", "header"}
    known.discard("header")  # deleted from the registry
    assert set(metrics.windows(now=12.0)) == {"hero"}
    assert 'fragment="header"' not in str(scrape(metrics))


def test_windows_follow_one_another_even_when_the_clock_goes_back():
    metrics = FragmentMetrics(lambda: None)
    metrics.record(Outcome("hero", "ok", duration_ms=1.0), "r")
    metrics.windows(now=100.0)
    ends = [point[0] for point in metrics.windows(now=40.0)["hero"]]  # set back a minute
    assert ends[1] > ends[0]
