"""The shell's report to the registry: how each fragment's circuit breaker stands here, and
the traffic each fragment had.

Every few seconds the shell posts its breakers' states and counts (`breaker.py`) and its
latest traffic windows per fragment (metrics.py: requests, errors, p50 and p99 of each
report interval) to the registry, which shows them per fragment in its admin and on its live
dashboard next to every other shell's; an operator who forces a breaker open or closed there
reaches the shell through the next snapshot instead (snapshot/polling.py). A report that
fails is logged and the next one tried: the registry being down costs only its view of the
shells.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable
from typing import Any

import httpx

from shell.engine import breakers
from tessera.runtime import tasks, workers
from tessera.runtime.jsonlog import failure

logger = logging.getLogger("tessera.report")

#: Seconds between reports; the registry shows reports of the last 30 s.
REPORT_INTERVAL = 2.0


def shell_id() -> str:
    """This shell process, as the registry's admin names it: host and process id, or
    `TESSERA_SHELL_ID`, followed by `/<index>` in one of several workers (each has breakers
    and traffic of its own)."""
    configured = os.environ.get("TESSERA_SHELL_ID")
    if not configured:
        return f"{socket.gethostname()}:{os.getpid()}"[:100]
    return configured if workers.current is None else f"{configured}/{workers.current.index}"


class ShellReporter:
    """Posts `breakers.report()` and `traffic()` to the registry every `interval` seconds."""

    def __init__(
        self,
        registry_url: str,
        token: str,
        *,
        traffic: Callable[[], dict[str, Any]] = dict,
        interval: float = REPORT_INTERVAL,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = registry_url.rstrip("/") + "/api/v1/shells/report"
        self.token = token
        self.traffic = traffic
        self.interval = interval
        self.shell = shell_id()
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._task: asyncio.Task[None] | None = None

    async def report(self) -> None:
        """Post one report; raises httpx.HTTPError when the registry does not take it."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=2.0, transport=self._transport)
        response = await self._client.post(
            self.url,
            json={
                "shell": self.shell,
                "fragments": breakers.report(),
                "traffic": self.traffic(),
                "interval_s": self.interval,
            },
            headers={"Authorization": f"Bearer {self.token}"},
        )
        response.raise_for_status()

    async def _run(self) -> None:
        # A report is due every `interval` from the first, however long each took: each
        # traffic window is one interval long, as the registry's dashboard takes it to be.
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            due = max(due + self.interval, loop.time())
            await asyncio.sleep(due - loop.time())
            started = time.monotonic()
            try:
                await self.report()
            except httpx.HTTPError as exc:
                logger.warning(
                    "report to the registry failed",
                    extra=failure(exc, started, url=self.url),
                )

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="shell-reporter")

    async def stop(self) -> None:
        await tasks.stop(self._task)
        if self._client:
            await self._client.aclose()
            self._client = None
