"""Choosing which instance of a fragment serves a request.

Weighted round robin over the instances that serve pages (a `rotation` of their base URLs,
built once per snapshot); when the registry runs a canary, a fixed share of visitors goes
to the canary version's instances instead. A visitor's side is a
hash of the visitor and the fragment, so it stays the same on every page, for the fragment's
HTML and for its BFF calls alike, on every shell replica.

Passive health: the rotation passes by instances that ejection.py has ejected (refused a
connection, or failed several requests in a row).
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections import defaultdict
from collections.abc import Mapping

from shell.engine.config import FragmentConfig
from shell.engine.ejection import ejections

#: Entries of a weighted rotation, at most (about): heavier weights are scaled down.
MAX_ROTATION = 100

_counters: defaultdict[str, itertools.count] = defaultdict(itertools.count)


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


def visitor_pool(fragment: FragmentConfig, visitor: str | None) -> tuple[str, ...]:
    """The rotation on the visitor's side: the canary version's or the stable one."""
    if (
        fragment.canary_percent
        and visitor is not None
        and fragment.canary_instances
        and in_canary(fragment.name, visitor, fragment.canary_percent)
    ):
        return fragment.canary_instances
    return fragment.instances


def version_for(fragment: FragmentConfig, visitor: str) -> str:
    """The version of `fragment` that serves `visitor`: the canary's for a visitor in the
    canary, else the stable one ("" when the registry does not say)."""
    if fragment.canary_percent and visitor_pool(fragment, visitor) is fragment.canary_instances:
        return "canary " + fragment.canary_version
    return fragment.stable_version


def pick_instance(fragment: FragmentConfig, visitor: str | None = None) -> str | None:
    """The base URL of the instance to ask next, or None when `fragment` has none."""
    pool = visitor_pool(fragment, visitor)
    if not pool:
        return None
    base = pool[next(_counters[fragment.name]) % len(pool)]
    if ejections.until:  # the common case, nothing ejected, costs one truth test
        return ejections.alternative(pool, base)
    return base


def pick_other(fragment: FragmentConfig, visitor: str | None, failed: str) -> str | None:
    """Another instance than `failed` on the visitor's side, for a retry; None if none."""
    others = [
        url
        for url in dict.fromkeys(visitor_pool(fragment, visitor))
        if url != failed and url not in ejections.until
    ]
    if not others:
        return None
    return others[next(_counters[fragment.name]) % len(others)]
