"""Passive health: outlier ejection of fragment instances, Envoy's model.

An instance that refuses a connection, or fails `CONSECUTIVE_FAILURES` requests in a row
(timeouts, 5xx, broken connections), is ejected: the rotation passes it by for
`EJECTION_S` seconds times the number of times it has been ejected lately (capped at
`MAX_EJECTION_S`). So a killed instance costs one failed request rather than every
request until the registry notices its missed heartbeats, and one that keeps failing stays
out longer each time. Never more than half of a fragment's instances are out at once: the
other half keeps the fragment served while the breaker (breaker.py) judges the fragment as
a whole. Each ejection is logged (the instance, why, for how long).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

logger = logging.getLogger("tessera.engine")

#: Failures in a row (not refused connections: those eject at once) that eject an instance.
CONSECUTIVE_FAILURES = 5
#: Seconds of a first ejection; each ejection in a row lasts this much longer.
EJECTION_S = 30.0
#: Longest ejection; also how long an instance must have stayed in to start again at one.
MAX_EJECTION_S = 300.0
#: Largest share of a fragment's instances out at once.
MAX_EJECTED_SHARE = 0.5


class Ejections:
    """Which instances are out, until when by `clock`."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.until: dict[str, float] = {}  # base URL -> back in at
        self.failures: dict[str, int] = {}  # base URL -> failures in a row
        self._times: dict[str, tuple[int, float]] = {}  # base URL -> (ejections, last end)

    def failed(self, base: str, pool: tuple[str, ...], refused: bool = False) -> bool:
        """A request to `base` (an instance of `pool`) failed; True if it is now ejected."""
        if not refused:
            count = self.failures[base] = self.failures.get(base, 0) + 1
            if count < CONSECUTIVE_FAILURES:
                return False
        now = self.clock()
        self._expire(now)
        members = set(pool)
        out = sum(1 for url in members if url in self.until)
        if base in self.until or (out + 1) > len(members) * MAX_EJECTED_SHARE:
            return False
        times, last_end = self._times.get(base, (0, 0.0))
        if now - last_end > MAX_EJECTION_S:
            times = 0  # it stayed in long enough: start again from one
        times += 1
        seconds = min(EJECTION_S * times, MAX_EJECTION_S)
        self._times[base] = (times, now + seconds)
        self.until[base] = now + seconds
        self.failures.pop(base, None)
        logger.warning(
            "instance ejected",
            extra={
                "instance": base,
                "reason": "refused a connection"
                if refused
                else f"{CONSECUTIVE_FAILURES} failures in a row",
                "seconds": seconds,
                "times": times,
            },
        )
        return True

    def succeeded(self, base: str) -> None:
        """A request to `base` succeeded: its run of failures ends."""
        self.failures.pop(base, None)

    def alternative(self, pool: tuple[str, ...], base: str) -> str:
        """`base` if it is in, else the next instance of `pool` that is, else `base`
        anyway (every one is out: the registry's list is all there is)."""
        self._expire(self.clock())
        if base not in self.until:
            return base
        start = pool.index(base)
        for url in pool[start + 1 :] + pool[:start]:
            if url not in self.until:
                return url
        return base

    def _expire(self, now: float) -> None:
        for url, until in list(self.until.items()):
            if until <= now:
                del self.until[url]

    def clear(self) -> None:
        self.until.clear()
        self.failures.clear()
        self._times.clear()


#: The shell process's ejections, shared by page fetches and the gateway.
ejections = Ejections()
