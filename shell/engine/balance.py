"""Choosing which instance of a fragment serves a request.

Weighted round robin over the instances that serve pages (a `rotation` of their base URLs,
built once per snapshot); when the registry runs a canary, a fixed share of visitors goes
to the canary version's instances instead. A visitor's side is a
hash of the visitor and the fragment, so it stays the same on every page, for the fragment's
HTML and for its BFF calls alike, on every shell replica.

Passive health: an instance that refused a connection rests for a few seconds, and the
rotation passes it by, so a dead instance costs one failed request rather than every request
until the registry notices its missed heartbeats. When every instance is resting, they are
tried anyway: the registry's list is all there is.
"""

from __future__ import annotations

import itertools
import math
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Mapping

from shell.engine.config import FragmentConfig

#: Entries of a weighted rotation, at most (about): heavier weights are scaled down.
MAX_ROTATION = 100

#: Seconds an instance that refused a connection is passed by.
REST_AFTER_FAILURE = 5.0

_counters: defaultdict[str, itertools.count] = defaultdict(itertools.count)


class Resting:
    """The instances passed by for now, each until a time of `clock`."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.until: dict[str, float] = {}

    def failed(self, base: str) -> None:
        """`base` refused a connection: pass it by for `REST_AFTER_FAILURE` seconds."""
        self.until[base] = self.clock() + REST_AFTER_FAILURE

    def alternative(self, pool: tuple[str, ...], base: str) -> str:
        """`base` if it may be asked, else the next instance of `pool` that may, else
        `base` anyway (every one is resting)."""
        now = self.clock()
        for url, until in list(self.until.items()):
            if until <= now:
                del self.until[url]
        if base not in self.until:
            return base
        start = pool.index(base)
        for url in pool[start + 1 :] + pool[:start]:
            if url not in self.until:
                return url
        return base


#: The shell process's record of resting instances, shared by page fetches and the gateway.
resting = Resting()


def rest(base: str) -> None:
    """Instance `base` refused a connection: pass it by for a while."""
    resting.failed(base)


def rotation(weights: Mapping[str, int]) -> tuple[str, ...]:
    """Base URLs for round robin, each repeated in proportion to its weight (0 takes no new
    traffic), interleaved so that heavier ones are not picked in bursts."""
    weights = {url: weight for url, weight in weights.items() if weight > 0}
    if not weights:
        return ()
    divisor = math.gcd(*weights.values())
    counts = {url: w // divisor for url, w in weights.items()}
    scale = max(1, sum(counts.values()) // MAX_ROTATION)  # a bounded rotation
    counts = {url: max(1, n // scale) for url, n in counts.items()}
    order = []
    while counts:
        for url in list(counts):
            order.append(url)
            counts[url] -= 1
            if not counts[url]:
                del counts[url]
    return tuple(order)


def in_canary(fragment: str, visitor: str, percent: int) -> bool:
    """Whether `visitor` is among the `percent` % of visitors who get `fragment`'s canary."""
    return zlib.crc32(f"{fragment}/{visitor}".encode()) % 100 < percent


def _pool(fragment: FragmentConfig, visitor: str | None) -> tuple[str, ...]:
    if (
        fragment.canary_percent
        and visitor is not None
        and fragment.canary_instances
        and in_canary(fragment.name, visitor, fragment.canary_percent)
    ):
        return fragment.canary_instances
    return fragment.instances


def pick_instance(fragment: FragmentConfig, visitor: str | None = None) -> str | None:
    """The base URL of the instance to ask next, or None when `fragment` has none."""
    pool = _pool(fragment, visitor)
    if not pool:
        return None
    base = pool[next(_counters[fragment.name]) % len(pool)]
    if resting.until:  # the common case, nothing resting, costs one truth test
        return resting.alternative(pool, base)
    return base


def pick_other(fragment: FragmentConfig, visitor: str | None, failed: str) -> str | None:
    """Another instance than `failed` on the visitor's side, for a retry; None if none."""
    others = [
        url
        for url in dict.fromkeys(_pool(fragment, visitor))
        if url != failed and url not in resting.until
    ]
    if not others:
        return None
    return others[next(_counters[fragment.name]) % len(others)]
