"""The shell's fragment cache: fragments' HTML kept in the process, bounded by bytes.

An entry is a fragment's response as the engine uses it (contained HTML, assets, a
primary's title), so a hit costs no parsing. What may be kept, for whom and how long is
cache_control.py's answer. Entries outlive their freshness: a stale copy is what
stale-while-revalidate serves while a refresh runs, and what stale-if-error serves when
the fragment fails. Least recently used entries go first when the bytes run out.

Keys: a response teaches the cache the *shape* of its fragment path (shared across
visitors or per visitor, the request headers it varies on); later requests for that path
find their entry by it. A path whose shape is not known is not looked up: the first
response for it is fetched as usual. Misses for one key are coalesced: one fetch runs as a
task of its own, which the pages that want it await without being able to cancel it.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from typing import Any

from shell.engine.assets import Asset
from shell.engine.cache_control import Storage
from shell.engine.outcome import Outcome
from tessera.runtime.env import env_int

#: What identifies an entry: fragment, path with query, the version serving the visitor (so
#: that after a deploy or a rollback, and on either side of a canary, no page gets another
#: version's copy), the visitor ("" when shared), values of the headers it varies on.
Key = tuple[str, str, str, str, tuple[str, ...]]

#: Shapes remembered, at most; the oldest are forgotten first (their paths are then fetched
#: once without a lookup, and learnt again).
MAX_SHAPES = 50_000


@dataclass(slots=True)
class Entry:
    """A stored fragment response, fresh until `fresh_until` (a time of the cache's clock)."""

    html: str
    assets: tuple[Asset, ...]
    title: str
    description: str
    etag: str | None
    storage: Storage
    fresh_until: float
    size: int
    hit: Outcome | None = None  # its outcome as a fresh hit, made once: the same every time

    def superseded(self, now: float) -> None:
        """The fragment answered with something that may not be kept (e.g. a degraded
        answer): that answer is what pages get from now on, so the copy is no longer fresh
        nor served while refreshing; it may still stand in for a failure (stale-if-error)."""
        self.fresh_until = min(self.fresh_until, now)
        self.storage = replace(self.storage, revalidate_s=0.0)

    def remember_hit(self, name: str) -> Outcome:
        """Its outcome as a fresh hit (no duration: a lookup), kept for the next hits."""
        self.hit = self.outcome(name, "hit", 0.0)
        return self.hit

    def may_revalidate(self, now: float) -> bool:
        """Whether it may be served stale while a refresh runs (stale-while-revalidate)."""
        return now < self.fresh_until + self.storage.revalidate_s

    def may_stand_in(self, now: float) -> bool:
        """Whether it may be served for a failed fetch (stale-if-error)."""
        return now < self.fresh_until + self.storage.if_error_s

    def outcome(self, name: str, via: str, duration_ms: float, error: str = "") -> Outcome:
        return Outcome(
            name,
            "ok",
            self.html,
            duration_ms,
            self.assets,
            200,
            error,
            title=self.title,
            description=self.description,
            via=via,
        )


class FragmentCache:
    """Entries by `Key`, least recently used first, at most `max_bytes` in all; an entry
    larger than `max_entry_bytes` is not kept."""

    def __init__(
        self,
        max_bytes: int,
        max_entry_bytes: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self.clock = clock
        self.bytes = 0
        #: (fragment, path) -> (shared, vary names), learnt from responses.
        self.shapes: dict[tuple[str, str], tuple[bool, tuple[str, ...]]] = {}
        self._entries: OrderedDict[Key, Entry] = OrderedDict()
        self._fetches: dict[Key, asyncio.Task[Any]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def key(
        self, name: str, path: str, visitor: str, version: str, vary_value: Callable[[str], str]
    ) -> Key | None:
        """The key of a request for `path` of fragment `name` by `visitor`, whom `version`
        of it serves; None when the path's shape is not known (no response for it was
        stored yet). `fresh` makes the same key inline: change both together."""
        shape = self.shapes.get((name, path))
        if shape is None:
            return None
        shared, vary = shape
        values = tuple(vary_value(header) for header in vary) if vary else ()
        return (name, path, version, visitor if not shared else "", values)

    def fresh(
        self,
        name: str,
        path: str,
        visitor: str,
        version: str,
        vary_value: Callable[[str], str],
        now: float,
    ) -> Entry | None:
        """The entry for that request (see `key`) if it is fresh at `now` (a time of the
        cache's clock): a page's lookup for each of its fragments, in one call."""
        # `key`'s steps, written out: calling it costs 4,500 instructions a cached page (of
        # 234,000). A key made differently here would never find an entry: tests of hits fail.
        shape = self.shapes.get((name, path))
        if shape is None:
            return None
        shared, vary = shape
        values = tuple(vary_value(header) for header in vary) if vary else ()
        key = (name, path, version, visitor if not shared else "", values)
        entry = self._entries.get(key)
        if entry is None or now >= entry.fresh_until:
            return None
        self._entries.move_to_end(key)
        return entry

    def get(self, key: Key) -> Entry | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def store(
        self,
        name: str,
        path: str,
        visitor: str,
        version: str,
        vary_value: Callable[[str], str],
        entry: Entry,
    ) -> None:
        """Keep `entry` (a response now) under the key it has by its own storage; a previous
        entry there is replaced. With no bytes to keep anything in, the cache is off."""
        if not self.max_bytes:
            return
        storage = entry.storage
        shape = (storage.shared, storage.vary)
        if self.shapes.get((name, path)) != shape:
            if len(self.shapes) >= MAX_SHAPES:
                del self.shapes[next(iter(self.shapes))]
            self.shapes[(name, path)] = shape
        key = self.key(name, path, visitor, version, vary_value)
        assert key is not None
        entry.size += sum(len(part) for part in key[4]) + len(path) + len(version) + len(key[3])
        if entry.size > self.max_entry_bytes:
            self._drop(key)
            return
        self._drop(key)
        self._entries[key] = entry
        self.bytes += entry.size
        while self.bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.bytes -= evicted.size

    def _drop(self, key: Key) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self.bytes -= old.size

    def fetch_once(
        self, key: Key, fetch: Callable[[], Coroutine[Any, Any, Any]]
    ) -> tuple[asyncio.Task[Any], bool]:
        """The running fetch for `key`, or a new one started with `fetch()`; and whether it
        is new. The caller awaits it through `asyncio.shield`, so that its leaving (its
        visitor gone, its page's deadline) never cancels the fetch the others await."""
        task = self._fetches.get(key)
        if task is not None:
            return task, False
        task = asyncio.get_running_loop().create_task(fetch())
        self._fetches[key] = task
        task.add_done_callback(lambda done: self._fetched(key, done))
        return task, True

    def _fetched(self, key: Key, task: asyncio.Task[Any]) -> None:
        if self._fetches.get(key) is task:
            del self._fetches[key]
        if not task.cancelled():
            task.exception()  # retrieved: a failed background refresh is not an error here

    def clear(self) -> None:
        self._entries.clear()
        self.shapes.clear()
        self.bytes = 0


#: The shell process's fragment cache.
cache = FragmentCache(
    max_bytes=env_int("TESSERA_CACHE_BYTES", 64 << 20),  # 0: the cache is off
    max_entry_bytes=env_int("TESSERA_CACHE_ENTRY_BYTES", 1 << 20),
)
