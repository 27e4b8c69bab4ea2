"""Choosing which instance of a fragment serves a request.

Weighted round robin over the instances that serve pages (see `config.weighted`); when
the registry runs a canary, a fixed
share of visitors goes to the canary version's instances instead. A visitor's side is a
hash of the visitor and the fragment, so it stays the same on every page, for the fragment's
HTML and for its BFF calls alike, on every shell replica.
"""

from __future__ import annotations

import itertools
import zlib
from collections import defaultdict

from shell.engine.config import FragmentConfig

_counters: defaultdict[str, itertools.count] = defaultdict(itertools.count)


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
    return pool[next(_counters[fragment.name]) % len(pool)]


def pick_other(fragment: FragmentConfig, visitor: str | None, failed: str) -> str | None:
    """Another instance than `failed` on the visitor's side, for a retry; None if none."""
    others = [url for url in dict.fromkeys(_pool(fragment, visitor)) if url != failed]
    if not others:
        return None
    return others[next(_counters[fragment.name]) % len(others)]
