"""The shell's copy of the registry: which pages exist, which fragments fill them, where the
fragments run.

A background task polls the registry's snapshot with `If-None-Match`, so an unchanged
registry costs one 304 per interval. Each new snapshot is also written to disk. When the
registry is unreachable the last good snapshot stays in force, and a shell that starts while
the registry is down serves from the disk copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from shell.engine.config import FragmentConfig
from shell.engine.layout import load_layout
from shell.engine.routing import Page, compile_route
from shell.engine.site import EMPTY_SITE, Site

logger = logging.getLogger("tessera.snapshot")


@dataclass(frozen=True)
class Snapshot:
    """One consistent view of the registry."""

    site: Site = EMPTY_SITE
    etag: str | None = None

    @property
    def fragments(self) -> Mapping[str, FragmentConfig]:
        return self.site.fragments

    @classmethod
    def from_json(cls, data: Mapping[str, Any], etag: str | None) -> Snapshot:
        """Build from the registry's snapshot document; raises ValueError when malformed.

        A fragment or page entry this shell cannot use (a setting it refuses, a layout or a
        route parameter kind it does not know) is left out and logged: one bad entry costs
        its own fragment or page, never every later change of the registry.
        """
        try:
            fragments = {}
            for entry in data["fragments"]:
                try:
                    config = FragmentConfig.from_snapshot(entry)
                except (KeyError, TypeError, ValueError) as exc:
                    logger.error(
                        "fragment left out", extra={"entry": _name(entry), "error": str(exc)}
                    )
                    continue
                fragments[config.name] = config
            pages = []
            for entry in data.get("pages", ()):
                try:
                    load_layout(entry["layout"])
                    compile_route(entry["route"])
                    slots = {slot: tuple(names) for slot, names in entry["slots"].items()}
                    page = Page(
                        entry["name"], entry["route"], entry["layout"], entry["title"], slots
                    )
                except Exception as exc:  # e.g. a layout this shell does not have
                    logger.error("page left out", extra={"entry": _name(entry), "error": str(exc)})
                    continue
                pages.append(page)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"malformed snapshot: {exc!r}") from None
        return cls(Site.build(pages, fragments), etag)


def _name(entry: Any) -> str:
    return str(entry.get("name")) if isinstance(entry, Mapping) else repr(entry)[:100]


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
        self.current = self._load_disk_copy()
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
        except (OSError, ValueError, KeyError) as exc:
            logger.error("disk copy of the snapshot is unreadable", extra={"error": str(exc)})
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
            return False
        response.raise_for_status()
        data = response.json()
        etag = response.headers.get("ETag")
        self.current = Snapshot.from_json(data, etag)
        self._save_disk_copy(data, etag)
        logger.info(
            "registry snapshot updated",
            extra={
                "fragments": sorted(self.current.fragments),
                "pages": len(data.get("pages", ())),
            },
        )
        return True

    async def _run(self) -> None:
        while True:
            try:
                await self.refresh()
            except (httpx.HTTPError, ValueError, OSError) as exc:
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

    return SnapshotPoller(
        settings.REGISTRY_URL,
        interval=settings.SNAPSHOT_POLL_INTERVAL,
        disk_path=settings.SNAPSHOT_DISK_PATH,
    )


#: The shell process's poller, shared by the page handler and the gateway.
poller = _from_settings()
