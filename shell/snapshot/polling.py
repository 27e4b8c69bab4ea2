"""Keeping the shell's copy of the registry current.

A background task polls the registry's snapshot with `If-None-Match`, so an unchanged
registry costs one 304 per interval. Each new snapshot is also written to disk. When the
registry is unreachable the last good snapshot stays in force, and a shell that starts while
the registry is down serves from the disk copy.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import httpx

from shell.engine import Site, breakers
from shell.snapshot.parse import Snapshot
from tessera.runtime import tasks
from tessera.runtime.jsonlog import describe, failure

logger = logging.getLogger("tessera.snapshot")


class SnapshotPoller:
    """Keeps `current` up to date with the registry, and on disk."""

    def __init__(
        self,
        registry_url: str,
        *,
        interval: float = 1.0,
        disk_path: Path | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = registry_url.rstrip("/") + "/api/v1/snapshot"
        self.interval = interval
        self.disk_path = disk_path
        #: The registry's last document, kept to read again when layouts change (`rebuild`).
        self._document: Any = None
        self.current = self._load_disk_copy()
        #: When the registry last confirmed `current` (time.monotonic()); None until it has.
        self.confirmed_at: float | None = None
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._task: asyncio.Task[None] | None = None

    def site(self) -> Site:
        return self.current.site

    def _load_disk_copy(self) -> Snapshot:
        if self.disk_path is None or not self.disk_path.exists():
            return Snapshot()
        try:
            saved = json.loads(self.disk_path.read_text())
            snapshot = Snapshot.from_json(saved["snapshot"], saved.get("etag"))
            self._document = saved["snapshot"]
        except (OSError, ValueError, KeyError) as exc:
            logger.error(
                "disk copy of the snapshot is unreadable",
                extra={"path": str(self.disk_path), "error": describe(exc)},
            )
            return Snapshot()
        logger.info("serving from the disk copy of the registry snapshot")
        return snapshot

    def _save_disk_copy(self, data: Any, etag: str | None) -> None:
        if self.disk_path is None:
            return
        self.disk_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.disk_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"etag": etag, "snapshot": data}))
        os.replace(tmp, self.disk_path)  # atomic: a crash never leaves half a snapshot

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=2.0, transport=self._transport)
        return self._client

    async def refresh(self) -> bool:
        """Fetch the snapshot once; True when it changed. Raises on failure."""
        headers = {"If-None-Match": self.current.etag} if self.current.etag else {}
        response = await self._http().get(self.url, headers=headers)
        if response.status_code == 304:
            self.confirmed_at = time.monotonic()
            return False
        response.raise_for_status()
        data = response.json()
        etag = response.headers.get("ETag")
        self.current = Snapshot.from_json(data, etag, self.current)
        self._document = data
        breakers.forget(self.current.fragments)  # of fragments gone from the registry
        self._save_disk_copy(data, etag)
        self.confirmed_at = time.monotonic()
        logger.info(
            "registry snapshot updated",
            extra={
                "fragments": sorted(self.current.fragments),
                "pages": len(data.get("pages", ())),
            },
        )
        return True

    def rebuild(self) -> None:
        """Read the last document again: the layouts changed, so a page left out for a
        layout this shell lacked may be served now (and plans are made afresh)."""
        if self._document is not None:
            self.current = Snapshot.from_json(self._document, self.current.etag, self.current)

    async def _run(self) -> None:
        while True:
            started = time.monotonic()
            try:
                await self.refresh()
            except (httpx.HTTPError, ValueError, OSError) as exc:
                logger.warning(
                    "registry snapshot refresh failed",
                    extra=failure(exc, started, url=self.url),
                )
            await asyncio.sleep(self.interval)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="snapshot-poller")

    async def stop(self) -> None:
        await tasks.stop(self._task)
        if self._client:
            await self._client.aclose()
            self._client = None
