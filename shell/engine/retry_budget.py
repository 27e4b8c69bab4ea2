"""How many retries a fragment may get: a share of its requests, so that retries never
multiply the load on a struggling fragment.

A retry on another instance (fetch.py) spends from the fragment's budget: at most
`RETRY_SHARE` of its recent requests (Envoy's default; the requests are those the
fragment's breaker counted in its window), and a few always.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

#: Retries allowed per request made.
RETRY_SHARE = 0.2
#: Retries always allowed: a quiet fragment may still retry.
MIN_RETRIES = 3
#: Seconds over which retries are counted.
RETRY_WINDOW_S = 10.0


class RetryBudget:
    """Retries per fragment in the last `RETRY_WINDOW_S` seconds: at most `RETRY_SHARE` of
    the requests made in that time, and `MIN_RETRIES` whatever the requests. Only retries
    are recorded, so a request that needs none costs nothing here."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.recent: dict[str, deque[float]] = {}

    def spend(self, name: str, requests: int) -> bool:
        """Take one retry for `name`, which made `requests` requests lately; False if the
        budget is spent."""
        now = self.clock()
        times = self.recent.setdefault(name, deque())
        while times and times[0] <= now - RETRY_WINDOW_S:
            times.popleft()
        if len(times) >= max(MIN_RETRIES, RETRY_SHARE * requests):
            return False
        times.append(now)
        return True


#: The shell process's.
retry_budget = RetryBudget()
