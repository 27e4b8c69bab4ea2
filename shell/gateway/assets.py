"""Fragments' content-hashed assets, kept by the gateway once relayed.

A fragment's stylesheet and script have names that change with their content and are
answered `immutable`: the same name is the same bytes for good. Kept here, they are served
without asking the fragment again, and above all while it cannot answer: a page the shell
composes from the fragment cache (a stale copy while the fragment's service is down or hung)
needs them, and without them a buy box shows unstyled, its button never enabled by its
script, while the asset request waits for a dead instance. Memory is bounded: least recently
used first out, by bytes (`TESSERA_ASSET_CACHE_BYTES`, default 8 MiB, counting each entry's
path and headers too) and by entries (`MAX_ENTRIES`); an asset over a tenth of the bytes is
not kept. Only what a GET of a path without a query brought back is kept, and never an
empty body: a HEAD's answer (no body) or a client's made-up queries must not take an
asset's place for everyone.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple

from tessera.runtime.env import env_int

#: Bytes of assets kept in all (`TESSERA_ASSET_CACHE_BYTES`).
DEFAULT_BYTES = env_int("TESSERA_ASSET_CACHE_BYTES", 8 * 1024 * 1024)
#: Assets kept at most, whatever their size.
MAX_ENTRIES = 4096
#: What an entry costs besides its body, path and headers (the objects), roughly, in bytes.
ENTRY_OVERHEAD = 200


class Kept(NamedTuple):
    """An asset's answer as the gateway passes it on: its headers (the passable ones) and
    body."""

    headers: tuple[tuple[str, str], ...]
    body: bytes


def size_of(target: str, kept: Kept) -> int:
    """What keeping `kept` for `target` costs, in bytes, roughly."""
    headers = sum(len(name) + len(value) for name, value in kept.headers)
    return ENTRY_OVERHEAD + len(target) + headers + len(kept.body)


def immutable(cache_control: str) -> bool:
    """Whether a `Cache-Control` value says the answer never changes (RFC 8246)."""
    return any(part.strip().lower() == "immutable" for part in cache_control.split(","))


class AssetCache:
    """Immutable assets by (fragment, path and query), least recently used out first."""

    def __init__(self, max_bytes: int = DEFAULT_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._kept: OrderedDict[tuple[str, str], Kept] = OrderedDict()

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        self._kept.clear()
        self.size = 0

    def get(self, fragment: str, target: str) -> Kept | None:
        kept = self._kept.get((fragment, target))
        if kept is not None:
            self._kept.move_to_end((fragment, target))
        return kept

    def keep(self, fragment: str, target: str, kept: Kept) -> None:
        """Keep `kept`, unless it is empty or too large to; make room by dropping the least
        recently used."""
        size = size_of(target, kept)
        if not kept.body or size > self.max_bytes // 10 or (fragment, target) in self._kept:
            return
        self._kept[fragment, target] = kept
        self.size += size
        while self.size > self.max_bytes or len(self._kept) > MAX_ENTRIES:
            (_, dropped_target), dropped = self._kept.popitem(last=False)
            self.size -= size_of(dropped_target, dropped)


#: The gateway's assets (one per shell process).
assets = AssetCache()
