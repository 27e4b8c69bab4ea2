"""Choosing which instance of a fragment serves a request: round robin."""

from __future__ import annotations

import itertools
from collections import defaultdict

from shell.engine.config import FragmentConfig

_counters: defaultdict[str, itertools.count] = defaultdict(itertools.count)


def pick_instance(fragment: FragmentConfig) -> str | None:
    """The base URL of the next instance of `fragment` in turn, or None when it has none."""
    if not fragment.instances:
        return None
    return fragment.instances[next(_counters[fragment.name]) % len(fragment.instances)]
