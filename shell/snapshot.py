"""The shell's in-memory copy of the registry: which fragments exist and where they run.

A background task polls the registry's snapshot with `If-None-Match`, so an unchanged
registry costs one 304 per interval. When the registry is unreachable the last good
snapshot stays in force: pages keep being served.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import httpx

from shell.engine.config import FragmentConfig

logger = logging.getLogger("tessera.snapshot")


@dataclass(frozen=True)
class Snapshot:
    """One consistent view of the registry."""

    fragments: Mapping[str, FragmentConfig] = field(default_factory=lambda: MappingProxyType({}))
    etag: str | None = None


class SnapshotPoller:
    """Keeps `current` up to date with the registry."""

    def __init__(
        self,
        registry_url: str,
        *,
        interval: float = 1.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = registry_url.rstrip("/") + "/api/v1/snapshot"
        self.interval = interval
        self.current = Snapshot()
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._task: asyncio.Task[None] | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=2.0, transport=self._transport)
        return self._client

    async def refresh(self) -> bool:
        """Fetch the snapshot once; True when it changed. Raises httpx.HTTPError on failure."""
        headers = {"If-None-Match": self.current.etag} if self.current.etag else {}
        response = await self._http().get(self.url, headers=headers)
        if response.status_code == 304:
            return False
        response.raise_for_status()
        entries = response.json()["fragments"]
        fragments = {e["name"]: FragmentConfig.from_snapshot(e) for e in entries}
        self.current = Snapshot(MappingProxyType(fragments), response.headers.get("ETag"))
        logger.info("registry snapshot updated", extra={"fragments": sorted(fragments)})
        return True

    async def _run(self) -> None:
        while True:
            try:
                await self.refresh()
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                logger.warning("registry snapshot refresh failed", extra={"error": str(exc)})
            await asyncio.sleep(self.interval)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="snapshot-poller")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._client:
            await self._client.aclose()
            self._client = None


def _from_settings() -> SnapshotPoller:
    from django.conf import settings

    return SnapshotPoller(settings.REGISTRY_URL, interval=settings.SNAPSHOT_POLL_INTERVAL)


#: The shell process's poller, shared by the page handler and the gateway.
poller = _from_settings()
