"""The fragment breaker's state machine, step by step on a fake clock (no sleeping).

Modelled on resilience4j's CircuitBreakerStateMachineTest: the clock is advanced by hand and
the state and the report are asserted after each step.
"""

import pytest

from shell.engine.breaker import (
    CLOSED,
    DEFAULT_BREAKER,
    DISABLED,
    FORCED_OPEN,
    HALF_OPEN,
    OPEN,
    Breaker,
    Breakers,
    BreakerSettings,
)

SLOW_MS = 100.0  # the fragment's timeout, the default slow-call threshold


class Clock:
    """A monotonic clock that moves only when told."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make(random: float = 0.5, **settings) -> tuple[Breaker, Clock]:
    """A breaker on a fake clock; random 0.5 means no jitter."""
    clock = Clock()
    breaker = Breaker(
        BreakerSettings(**settings), slow_ms=SLOW_MS, clock=clock, random=lambda: random
    )
    return breaker, clock


def calls(breaker: Breaker, n: int, ok: bool = True, ms: float = 1.0) -> None:
    """n calls that the breaker lets through, each with the same result."""
    for _ in range(n):
        assert breaker.allow()
        breaker.record(ok, ms)


def counts(breaker: Breaker) -> tuple:
    report = breaker.report()
    return report["state"], report["calls"], report["failures"], report["slow"], report["rejected"]


def opened(random: float = 0.5, **settings) -> tuple[Breaker, Clock]:
    """A breaker that has just opened on two failures out of two calls."""
    breaker, clock = make(random, **{"min_calls": 2, **settings})
    calls(breaker, 2, ok=False)
    assert breaker.state == OPEN
    return breaker, clock


def half_open(**settings) -> tuple[Breaker, Clock]:
    """A breaker in HALF_OPEN that has handed out its first probe permit."""
    breaker, clock = opened(**settings)
    clock.advance(5.0)
    assert breaker.allow()
    assert breaker.state == HALF_OPEN
    return breaker, clock


# CLOSED


def test_closed_stays_closed_below_min_calls_even_when_every_call_fails():
    breaker, _ = make(min_calls=5)
    calls(breaker, 4, ok=False)
    assert counts(breaker) == (CLOSED, 4, 4, 0, 0)
    assert breaker.allow()


def test_closed_opens_at_exactly_the_failure_rate():
    breaker, _ = make(min_calls=10, failure_rate=50)
    calls(breaker, 6)
    calls(breaker, 4, ok=False)
    assert counts(breaker) == (CLOSED, 10, 4, 0, 0)  # 40 %
    calls(breaker, 1, ok=False)
    assert counts(breaker) == (CLOSED, 11, 5, 0, 0)  # 45 %
    calls(breaker, 1, ok=False)
    assert counts(breaker) == (OPEN, 12, 6, 0, 0)  # 50 %


def test_closed_opens_on_the_slow_call_rate_with_every_call_ok():
    breaker, _ = make(min_calls=4, slow_rate=50)
    calls(breaker, 2, ms=SLOW_MS - 0.1)
    calls(breaker, 1, ms=SLOW_MS)  # as long as the threshold: slow
    assert counts(breaker) == (CLOSED, 3, 0, 1, 0)
    calls(breaker, 1, ms=SLOW_MS + 50)
    assert counts(breaker) == (OPEN, 4, 0, 2, 0)


def test_a_failure_can_be_slow_too():
    breaker, _ = make()
    calls(breaker, 1, ok=False, ms=SLOW_MS * 2)
    assert counts(breaker) == (CLOSED, 1, 1, 1, 0)


def test_the_settings_slow_ms_overrides_the_fragments_timeout():
    breaker, _ = make(slow_ms=20)
    calls(breaker, 1, ms=19.9)
    calls(breaker, 1, ms=20)
    assert counts(breaker) == (CLOSED, 2, 0, 1, 0)


def test_calls_older_than_the_window_no_longer_count():
    breaker, clock = make(window_s=10, min_calls=6, failure_rate=50)
    calls(breaker, 4, ok=False)
    clock.advance(5)
    calls(breaker, 1)
    clock.advance(4.5)  # the failures' second is still in the window
    assert counts(breaker) == (CLOSED, 5, 4, 0, 0)
    clock.advance(0.5)  # ...and now it is not, though no call came
    assert counts(breaker) == (CLOSED, 1, 0, 0, 0)
    calls(breaker, 4)
    calls(breaker, 1, ok=False)  # 1 of 6 failed; with the old four it would be 5 of 10
    assert counts(breaker) == (CLOSED, 6, 1, 0, 0)
    clock.advance(59)  # far past the window: every bucket is emptied
    assert counts(breaker) == (CLOSED, 0, 0, 0, 0)


# OPEN


def test_open_refuses_and_counts_each_refusal():
    breaker, clock = opened()
    assert not breaker.allow()
    clock.advance(1)
    assert not breaker.allow()
    assert not breaker.allow()
    assert counts(breaker) == (OPEN, 2, 2, 0, 3)


def test_open_turns_half_open_after_open_s_and_not_before():
    breaker, clock = opened(open_s=5.0)
    clock.advance(4.999)
    assert not breaker.allow()
    assert breaker.state == OPEN
    clock.advance(0.001)
    assert breaker.allow()
    assert breaker.state == HALF_OPEN


@pytest.mark.parametrize(("random", "wait"), [(0.0, 4.0), (1.0, 6.0)])
def test_the_time_in_open_is_jittered_by_twenty_percent(random, wait):
    breaker, clock = opened(random, open_s=5.0)
    clock.advance(wait - 0.01)
    assert not breaker.allow()
    clock.advance(0.01)
    assert breaker.allow()
    assert breaker.state == HALF_OPEN


def test_a_late_result_in_open_is_counted_but_decides_nothing():
    breaker, _ = opened()
    breaker.record(True, 1.0)  # a call let through before the breaker opened
    assert counts(breaker) == (OPEN, 3, 2, 0, 0)


# HALF_OPEN


def test_half_open_allows_exactly_half_open_calls_then_refuses():
    breaker, _ = half_open(half_open_calls=3)
    assert breaker.allow()
    assert breaker.allow()
    assert not breaker.allow()
    assert not breaker.allow()
    assert counts(breaker) == (HALF_OPEN, 2, 2, 0, 2)


def test_probes_that_succeed_close_the_breaker_with_an_empty_window():
    breaker, _ = half_open(half_open_calls=3, failure_rate=50)
    assert breaker.allow()
    assert breaker.allow()
    breaker.record(True, 1.0)
    breaker.record(False, 1.0)  # 1 of 3 failed: below the rate
    assert breaker.state == HALF_OPEN
    breaker.record(True, 1.0)
    assert counts(breaker) == (CLOSED, 0, 0, 0, 0)
    assert breaker.allow()


def test_probes_that_fail_open_the_breaker_again():
    breaker, clock = half_open(half_open_calls=3, failure_rate=50, open_s=5.0)
    assert breaker.allow()
    assert breaker.allow()
    breaker.record(True, 1.0)
    breaker.record(False, 1.0)
    assert breaker.state == HALF_OPEN
    breaker.record(False, 1.0)  # 2 of 3 failed
    assert breaker.state == OPEN
    assert not breaker.allow()
    clock.advance(4.9)
    assert not breaker.allow()
    clock.advance(0.1)
    assert breaker.allow()
    assert breaker.state == HALF_OPEN


def test_slow_probes_open_the_breaker_again():
    breaker, _ = half_open(half_open_calls=2, slow_rate=100)
    assert breaker.allow()
    breaker.record(True, SLOW_MS)
    assert breaker.state == HALF_OPEN
    breaker.record(True, SLOW_MS)
    assert breaker.state == OPEN


def test_a_failed_probe_reopens_at_once_when_it_already_reaches_the_rate():
    breaker, _ = half_open(half_open_calls=4, failure_rate=25)
    breaker.record(False, 1.0)  # 1 of 4 is 25 %, whatever the other three bring
    assert breaker.state == OPEN


def test_release_gives_a_probe_permit_back():
    breaker, _ = half_open(half_open_calls=2)
    assert breaker.allow()
    assert not breaker.allow()
    breaker.release()  # a probe's visitor left
    assert breaker.allow()
    assert not breaker.allow()


def test_release_never_hands_out_more_permits_than_half_open_calls():
    breaker, _ = half_open(half_open_calls=2)
    breaker.release()
    breaker.release()  # nothing outstanding: ignored
    assert breaker.allow()
    assert breaker.allow()
    assert not breaker.allow()


def test_a_late_result_with_no_probe_outstanding_is_not_a_probe():
    breaker, _ = half_open(half_open_calls=3, failure_rate=30)
    breaker.release()
    breaker.record(False, 1.0)  # from a call let through before the breaker opened
    assert breaker.state == HALF_OPEN


def test_release_outside_half_open_changes_nothing():
    breaker, _ = make(min_calls=1)
    breaker.release()
    assert counts(breaker) == (CLOSED, 0, 0, 0, 0)
    assert breaker.allow()


# Operators: forced open, disabled


def test_forced_open_refuses_regardless_and_records_nothing():
    breaker, clock = make(forced="open")
    assert breaker.state == FORCED_OPEN
    assert not breaker.allow()
    clock.advance(3600)
    assert not breaker.allow()
    breaker.record(True, 1.0)
    assert counts(breaker) == (FORCED_OPEN, 0, 0, 0, 1)


def test_disabled_allows_every_call_and_records_nothing():
    breaker, _ = make(forced="closed", min_calls=1)
    assert breaker.state == DISABLED
    calls(breaker, 50, ok=False, ms=SLOW_MS)
    assert counts(breaker) == (DISABLED, 0, 0, 0, 0)
    assert breaker.allow()


# configure()


def test_configure_keeps_state_and_window_when_thresholds_change():
    breaker, _ = make(min_calls=10, failure_rate=50)
    calls(breaker, 4, ok=False)
    breaker.configure(BreakerSettings(min_calls=5, failure_rate=60), SLOW_MS)
    assert counts(breaker) == (CLOSED, 4, 4, 0, 0)
    calls(breaker, 1, ok=False)  # the new min_calls counts the calls already in
    assert counts(breaker) == (OPEN, 5, 5, 0, 0)
    breaker.configure(BreakerSettings(min_calls=50), SLOW_MS)
    assert counts(breaker) == (OPEN, 5, 5, 0, 0)
    assert not breaker.allow()


def test_configure_applies_a_new_slow_threshold():
    breaker, _ = make()
    breaker.configure(DEFAULT_BREAKER, 10.0)
    calls(breaker, 1, ms=10.0)
    assert counts(breaker) == (CLOSED, 1, 0, 1, 0)


def test_configure_forces_at_once():
    breaker, _ = opened()
    breaker.configure(BreakerSettings(forced="closed"), SLOW_MS)
    assert counts(breaker) == (DISABLED, 0, 0, 0, 0)  # the operator starts a new window
    assert breaker.allow()
    breaker.configure(BreakerSettings(forced="open"), SLOW_MS)
    assert breaker.state == FORCED_OPEN
    assert not breaker.allow()


def test_unforcing_returns_to_closed_with_an_empty_window():
    breaker, _ = make(forced="open")
    assert not breaker.allow()
    breaker.configure(BreakerSettings(), SLOW_MS)
    assert counts(breaker) == (CLOSED, 0, 0, 0, 0)
    assert breaker.allow()


def test_a_new_window_size_starts_an_empty_window():
    breaker, _ = make(window_s=10)
    calls(breaker, 3, ok=False)
    breaker.configure(BreakerSettings(window_s=30), SLOW_MS)
    assert counts(breaker) == (CLOSED, 0, 0, 0, 0)


def test_more_probes_configured_in_half_open_hand_out_more_permits():
    breaker, _ = half_open(half_open_calls=1)
    assert not breaker.allow()
    breaker.configure(BreakerSettings(min_calls=2, half_open_calls=2), SLOW_MS)
    assert breaker.state == HALF_OPEN
    assert breaker.allow()
    assert not breaker.allow()


# Settings


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("window_s", 0),
        ("window_s", 601),
        ("min_calls", 0),
        ("min_calls", 10_001),
        ("failure_rate", 0),
        ("failure_rate", 101),
        ("slow_rate", 0),
        ("slow_rate", 101),
        ("slow_ms", -1),
        ("open_s", 0),
        ("open_s", 3600.5),
        ("half_open_calls", 0),
        ("half_open_calls", 101),
        ("forced", "half"),
    ],
)
def test_settings_out_of_range_are_refused_by_name(field, value):
    with pytest.raises(ValueError, match=field):
        BreakerSettings(**{field: value})


def test_settings_at_the_edges_of_their_ranges_are_accepted():
    BreakerSettings(window_s=1, min_calls=1, failure_rate=1, slow_rate=1, half_open_calls=1)
    BreakerSettings(window_s=600, min_calls=10_000, failure_rate=100, open_s=3600)
    assert BreakerSettings(10, 20, 50, 100, 0, 5.0, 3, "") == DEFAULT_BREAKER


def test_a_breaker_needs_a_positive_slow_threshold():
    with pytest.raises(ValueError, match="slow"):
        Breaker(DEFAULT_BREAKER, slow_ms=0)
    Breaker(BreakerSettings(slow_ms=5), slow_ms=0)


# Breakers


def test_breakers_get_returns_the_same_breaker_for_the_same_settings():
    fleet = Breakers(clock=Clock(), random=lambda: 0.5)
    settings = BreakerSettings(min_calls=1)
    breaker = fleet.get("reviews", settings, SLOW_MS)
    assert fleet.get("reviews", settings, SLOW_MS) is breaker
    assert fleet.get("cart", settings, SLOW_MS) is not breaker


def test_breakers_get_remembers_equal_settings_from_a_new_snapshot(monkeypatch):
    fleet = Breakers(clock=Clock(), random=lambda: 0.5)
    breaker = fleet.get("reviews", BreakerSettings(min_calls=1), SLOW_MS)
    calls(breaker, 1, ok=False)
    again = BreakerSettings(min_calls=1)
    monkeypatch.setattr(Breaker, "configure", lambda *args: pytest.fail("reconfigured"))
    assert fleet.get("reviews", again, SLOW_MS) is breaker
    assert breaker.settings is again
    assert breaker.state == OPEN


def test_breakers_get_reconfigures_on_new_settings_or_timeout():
    fleet = Breakers(clock=Clock(), random=lambda: 0.5)
    breaker = fleet.get("reviews", DEFAULT_BREAKER, SLOW_MS)
    assert fleet.get("reviews", BreakerSettings(forced="open"), SLOW_MS) is breaker
    assert breaker.state == FORCED_OPEN
    fleet.get("reviews", DEFAULT_BREAKER, SLOW_MS)
    fleet.get("reviews", DEFAULT_BREAKER, 10.0)
    breaker.record(True, 10.0)
    assert counts(breaker) == (CLOSED, 1, 0, 1, 0)


def test_breakers_report_and_forget():
    fleet = Breakers(clock=Clock(), random=lambda: 0.5)
    fleet.get("reviews", DEFAULT_BREAKER, SLOW_MS).record(False, 1.0)
    fleet.get("cart", DEFAULT_BREAKER, SLOW_MS)
    report = fleet.report()
    assert list(report) == ["cart", "reviews"]
    assert report["reviews"] == {
        "state": CLOSED,
        "calls": 1,
        "failures": 1,
        "slow": 0,
        "rejected": 0,
    }
    fleet.forget({"cart"})
    assert list(fleet.report()) == ["cart"]
