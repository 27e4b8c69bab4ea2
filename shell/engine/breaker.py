"""A circuit breaker per fragment service: stop calling a fragment that fails or is slow.

The engine asks `allow()` before it fetches a fragment (unless the breaker is `passing`)
and tells `record()` how the call went (or `release()` when the visitor left before it
ended); while it is `passing`, a call that succeeded and cannot have been slow (it is not
`timed`) is only counted, `fast_successes += 1`, an increment instead of a call on the
hot path. Decisions follow
resilience4j's state machine: a time-based sliding window of one-second buckets, opened by a
failure rate or a slow-call rate over at least `min_calls` calls; OPEN refuses for `open_s`
(with jitter, so replicas don't probe in step), then HALF_OPEN lets `half_open_calls` probes
through and judges them; operators may force it open or disable it. A refused fragment takes its
fallback at once instead of spending its timeout.

The hot path runs for every fragment of every page, so this is plain arithmetic on
counters allocated once (a ring of one-second buckets with running totals): no I/O, no locks
(one event loop per process), time from an injectable clock. A leaf module: it imports
nothing from the engine.
"""

from __future__ import annotations

import random as _random
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

CLOSED, OPEN, HALF_OPEN, FORCED_OPEN, DISABLED = (
    "closed",
    "open",
    "half_open",
    "forced_open",
    "disabled",
)

#: OPEN lasts open_s times a factor drawn from 1 +- JITTER.
JITTER = 0.2

#: Integer settings and their allowed ranges, inclusive.
_RANGES = (
    ("window_s", 1, 600),
    ("min_calls", 1, 10_000),
    ("failure_rate", 1, 100),
    ("slow_rate", 1, 100),
    ("slow_ms", 0, 600_000),
    ("half_open_calls", 1, 100),
)


@dataclass(frozen=True, slots=True)
class BreakerSettings:
    """When one fragment's breaker opens and how it recovers; defaults in one place.

    The defaults are resilience4j's (10 s window, 20 calls, 50 % failed, 100 % slow), Hystrix's
    and Envoy's 5 s before probing, and three probes.
    """

    window_s: int = 10  # time-based sliding window, of 1-second buckets
    min_calls: int = 20  # no decision on fewer calls in the window
    failure_rate: int = 50  # percent of calls failed -> OPEN
    slow_rate: int = 100  # percent of calls slow -> OPEN
    slow_ms: int = 0  # a call this long is slow; 0: the fragment's timeout
    open_s: float = 5.0  # time in OPEN before HALF_OPEN, +- JITTER
    half_open_calls: int = 3  # probes allowed in HALF_OPEN
    forced: str = ""  # operator: "" automatic, "open" FORCED_OPEN, "closed" DISABLED

    def __post_init__(self) -> None:
        for name, low, high in _RANGES:
            value = getattr(self, name)
            if not low <= value <= high:
                raise ValueError(f"breaker {name} {value!r} not in {low}..{high}")
        if not 0 < self.open_s <= 3600:
            raise ValueError(f"breaker open_s {self.open_s!r} not in (0, 3600] seconds")
        if self.forced not in ("", "open", "closed"):
            raise ValueError(f"breaker forced {self.forced!r} is not '', 'open' or 'closed'")


DEFAULT_BREAKER = BreakerSettings()


class Breaker:
    """One fragment's breaker. `state` is one of CLOSED, OPEN, HALF_OPEN, FORCED_OPEN, DISABLED.

    The window counts calls, failures, slow calls and refusals of the last `window_s` seconds,
    whatever the state (a late result of a call let through before the breaker opened is
    counted but decides nothing). It is emptied when the breaker closes, when an operator
    forces or unforces it, and when `window_s` changes. OPEN turns HALF_OPEN at the first
    `allow()` after its time is up. In HALF_OPEN the probes are judged by the same rates, taken
    over all `half_open_calls` probes: the breaker opens again as soon as the results so far
    reach a rate whatever the others bring (so a failure may reopen it at once), and closes
    when every probe is in without that.
    """

    __slots__ = (
        "_absorbed",
        "_buckets",
        "_clock",
        "_failure_rate",
        "_half_open_calls",
        "_idx",
        "_min_calls",
        "_open_until",
        "_permits",
        "_probe_failures",
        "_probe_slow",
        "_probes",
        "_random",
        "_sec",
        "_slow_rate",
        "_totals",
        "fast_successes",
        "passing",
        "settings",
        "slow_ms",
        "slow_threshold",
        "state",
        "timed",
    )

    def __init__(
        self,
        settings: BreakerSettings = DEFAULT_BREAKER,
        *,
        slow_ms: float,
        clock: Callable[[], float] = time.monotonic,
        random: Callable[[], float] = _random.random,
    ) -> None:
        """`slow_ms` is the fragment's timeout, the slow-call threshold unless settings name one."""
        self._clock, self._random = clock, random
        self.state, self.passing, self._open_until = CLOSED, True, 0.0
        self._permits = self._probes = self._probe_failures = self._probe_slow = 0
        self.fast_successes = self._absorbed = 0
        self.settings = settings
        self._new_window()
        self.configure(settings, slow_ms)

    def allow(self) -> bool:
        """May a call go out now? Every refusal is counted in the window.

        `passing` is True while every call may (CLOSED, DISABLED): the hot path tests it
        before calling this, which saves a call per fetch.
        """
        if self.passing:  # CLOSED or DISABLED
            return True
        now = self._clock()
        if self.state is OPEN and now >= self._open_until:
            self._half_open()
        if self.state is HALF_OPEN and self._permits:
            self._permits -= 1
            return True
        self._reject(now)
        return False

    def record(self, ok: bool, duration_ms: float) -> None:
        """The result of a call `allow()` let through: failed unless `ok`, slow if it took long."""
        state = self.state
        if state is DISABLED or state is FORCED_OPEN:
            return
        now = self._clock()
        self._catch_up(now)
        idx, buckets, totals = self._idx, self._buckets, self._totals
        buckets[0][idx] += 1
        totals[0] += 1
        failed, slow = not ok, duration_ms >= self.slow_threshold
        if failed:
            buckets[1][idx] += 1
            totals[1] += 1
        if slow:
            buckets[2][idx] += 1
            totals[2] += 1
        if state is CLOSED:
            calls = totals[0]
            if calls >= self._min_calls and (
                totals[1] * 100 >= self._failure_rate * calls
                or totals[2] * 100 >= self._slow_rate * calls
            ):
                self._open(now)
        elif state is HALF_OPEN and self._permits + self._probes < self._half_open_calls:
            self._probes += 1  # (with nothing outstanding, it is a late result from before)
            self._probe_failures += failed
            self._probe_slow += slow
            self._judge_probes(now)

    def release(self) -> None:
        """A call `allow()` let through ended without a result: give its probe permit back."""
        if self.state is HALF_OPEN and self._permits + self._probes < self._half_open_calls:
            self._permits += 1

    def configure(self, settings: BreakerSettings, slow_ms: float) -> None:
        """Apply a new snapshot's settings, keeping state and window if only thresholds change.

        `forced` "open" or "closed" takes effect at once; forced back to "" closes the breaker
        with an empty window. More or fewer probes in HALF_OPEN count those already handed out.
        """
        threshold = settings.slow_ms or slow_ms
        if threshold <= 0:
            raise ValueError(f"breaker slow-call threshold {threshold!r} ms must be positive")
        issued = self._half_open_calls - self._permits if self.state is HALF_OPEN else 0
        old_window = self.settings.window_s
        self.settings, self.slow_ms, self.slow_threshold = settings, slow_ms, threshold
        # A call that succeeds ended within its deadline, the fragment's timeout (`slow_ms`):
        # it can be slow only under a lower threshold. Only then must the hot path time it.
        self.timed = threshold < slow_ms
        self._min_calls, self._half_open_calls = settings.min_calls, settings.half_open_calls
        self._failure_rate, self._slow_rate = settings.failure_rate, settings.slow_rate
        if settings.window_s != old_window:
            self._new_window()
        if settings.forced:
            forced = FORCED_OPEN if settings.forced == "open" else DISABLED
            if self.state is not forced:
                self.state, self.passing = forced, forced is DISABLED
                self._new_window()
        elif self.state is FORCED_OPEN or self.state is DISABLED:
            self._close()
        elif self.state is HALF_OPEN:
            self._permits = max(0, settings.half_open_calls - issued)
            self._judge_probes(self._clock())

    @property
    def calls(self) -> int:
        """Calls recorded in the window."""
        self._catch_up(self._clock())
        return self._totals[0]

    def report(self) -> dict[str, int | str]:
        """For operators: the state and the counts of the window (refusals included)."""
        self._catch_up(self._clock())
        calls, failures, slow, rejected = self._totals
        return {
            "state": self.state,
            "calls": calls,
            "failures": failures,
            "slow": slow,
            "rejected": rejected,
        }

    def __repr__(self) -> str:
        return f"<Breaker {self.state} {self._totals[0]} calls {self._totals[1]} failed>"

    def _reject(self, now: float) -> None:
        """Count a refusal in the window."""
        self._catch_up(now)
        self._buckets[3][self._idx] += 1
        self._totals[3] += 1

    def _catch_up(self, now: float) -> None:
        """Move the window to `now`, then count the hot path's `fast_successes` since the
        last catch-up in its newest second: they happened since then, maybe earlier, so
        they stay in the window a little longer than they should, which can only delay an
        opening, never cause one. (The shell asks for a report every few seconds, so "a
        little" is that.)"""
        if now >= self._sec + 1:
            self._roll(int(now))
        pending = self.fast_successes - self._absorbed
        if pending:
            self._absorbed = self.fast_successes
            self._buckets[0][self._idx] += pending
            self._totals[0] += pending

    def _roll(self, sec: int) -> None:
        """Move the window's newest bucket to second `sec`, emptying the buckets passed."""
        if sec <= self._sec:
            return
        size = len(self._buckets[0])
        for passed in range(max(self._sec + 1, sec - size + 1), sec + 1):
            idx = passed % size
            for kind, bucket in enumerate(self._buckets):
                self._totals[kind] -= bucket[idx]
                bucket[idx] = 0
        self._sec, self._idx = sec, sec % size

    def _new_window(self) -> None:
        size = self.settings.window_s
        self._buckets = tuple([0] * size for _ in range(4))
        self._totals = [0, 0, 0, 0]
        self._absorbed = self.fast_successes  # successes from before are not this window's
        self._sec = int(self._clock())
        self._idx = self._sec % size

    def _open(self, now: float) -> None:
        jitter = 1 + JITTER * (2 * self._random() - 1)
        self.state, self.passing = OPEN, False
        self._open_until = now + self.settings.open_s * jitter

    def _half_open(self) -> None:
        self.state, self._permits = HALF_OPEN, self._half_open_calls
        self._probes = self._probe_failures = self._probe_slow = 0

    def _close(self) -> None:
        self.state, self.passing = CLOSED, True
        self._new_window()

    def _judge_probes(self, now: float) -> None:
        """OPEN once the probes so far reach a rate over all of them; CLOSED when all are in."""
        calls = self._half_open_calls
        if (
            self._probe_failures * 100 >= self._failure_rate * calls
            or self._probe_slow * 100 >= self._slow_rate * calls
        ):
            self._open(now)
        elif self._probes >= calls:
            self._close()


class Breakers:
    """The shell process's breakers, one per fragment name."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        random: Callable[[], float] = _random.random,
    ) -> None:
        self._clock, self._random = clock, random
        self._by_name: dict[str, Breaker] = {}

    def get(self, name: str, settings: BreakerSettings, slow_ms: float) -> Breaker:
        """The fragment's breaker, made or reconfigured when its settings changed.

        Hot path: a lookup and an identity check; settings equal to the breaker's but another
        object (a new snapshot) are remembered, so the next call is the identity check again.
        """
        breaker = self._by_name.get(name)
        if breaker is not None and breaker.settings is settings and breaker.slow_ms == slow_ms:
            return breaker
        if breaker is None:
            breaker = Breaker(settings, slow_ms=slow_ms, clock=self._clock, random=self._random)
            self._by_name[name] = breaker
        elif breaker.settings == settings and breaker.slow_ms == slow_ms:
            breaker.settings = settings
        else:
            breaker.configure(settings, slow_ms)
        return breaker

    def report(self) -> dict[str, dict[str, int | str]]:
        """Every breaker's report, by fragment name."""
        return {name: breaker.report() for name, breaker in sorted(self._by_name.items())}

    def forget(self, keep: Collection[str]) -> None:
        """Drop the breakers of fragments that are no longer in the snapshot."""
        for name in [name for name in self._by_name if name not in keep]:
            del self._by_name[name]


breakers = Breakers()
