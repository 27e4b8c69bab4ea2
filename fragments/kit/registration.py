"""Self-registration with the fragment registry: register, heartbeat, deregister.

Registration must never block a fragment service from serving: the registry may start later
or restart, so registering retries with backoff in the background. Heartbeats keep a fixed
rhythm whatever happens to one of them: while the registry is down each attempt fails fast and
the next comes on the next tick, so the first tick after it is back refreshes the instance
(the registry bridges its own downtime for one TTL, see registry.models.Restart). A heartbeat
answered with 404 (the registry forgot us: a new database, or an operator deleted the
instance) registers again at once, not after a tick or a backoff.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx

from tessera.runtime import tasks
from tessera.runtime.jsonlog import describe, failure
from tessera.runtime.registry_client import registry_client

logger = logging.getLogger("tessera.registration")


class Registration:
    """Keeps one fragment instance registered for as long as it runs."""

    def __init__(
        self,
        *,
        registry_url: str,
        token: str,
        payload: dict[str, Any],
        heartbeat_interval: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.payload = payload
        self.heartbeat_interval = heartbeat_interval
        self.instance_id: int | None = None
        self.registered = asyncio.Event()
        self._client = registry_client(registry_url, token, transport=transport)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Begin registering in the background."""
        self._task = asyncio.create_task(self._run(), name="registration")

    async def stop(self) -> None:
        """Stop heartbeating and deregister, so shells stop sending traffic here (once)."""
        if self._client.is_closed:
            return
        await tasks.stop(self._task)
        if self.instance_id is not None:
            try:
                await self._client.delete(f"/instances/{self.instance_id}")
            except httpx.HTTPError as exc:
                logger.warning("deregistration failed", extra={"error": describe(exc)})
            self.instance_id = None
        await self._client.aclose()

    async def _register(self) -> None:
        delay = 0.1
        while True:
            try:
                response = await self._client.post("/instances", json=self.payload)
                if response.status_code == 201:
                    self.instance_id = response.json()["id"]
                    self.registered.set()
                    logger.info("registered", extra={"instance_id": self.instance_id})
                    return
                # A 4xx will not fix itself: say why, loudly, and keep trying slowly.
                logger.error(
                    "registry refused registration",
                    extra={"status": response.status_code, "body": response.text[:500]},
                )
                delay = self.heartbeat_interval
            except httpx.HTTPError as exc:
                logger.debug("registry not reachable yet", extra={"error": describe(exc)})
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.heartbeat_interval)

    async def _run(self) -> None:
        await self._register()
        loop = asyncio.get_running_loop()
        next_beat = loop.time() + self.heartbeat_interval
        failing = False
        while True:
            await asyncio.sleep(max(0.0, next_beat - loop.time()))
            # The next tick is due one interval after this one was, not after this attempt
            # ends: a slow or timed-out heartbeat does not stretch the rhythm. After a stall
            # longer than an interval the next tick is at once, with no burst of missed ones.
            next_beat = max(next_beat + self.heartbeat_interval, loop.time())
            problem: dict[str, Any] | None = None
            path = f"/instances/{self.instance_id}/heartbeat"
            started = time.monotonic()
            try:
                response = await self._client.post(path)
            except httpx.HTTPError as exc:  # down or unreachable: again on the next tick
                url = str(self._client.base_url).rstrip("/") + path
                problem = failure(exc, started, url=url)
            else:
                if response.status_code == 404:
                    logger.warning("registry does not know this instance: registering again")
                    self.registered.clear()
                    await self._register()
                    next_beat = loop.time() + self.heartbeat_interval
                elif not response.is_success:
                    problem = {"status": response.status_code}
            # One warning per outage, not one per tick.
            if problem is not None:
                (logger.debug if failing else logger.warning)("heartbeat failed", extra=problem)
            elif failing:
                logger.info("heartbeat accepted again")
            failing = problem is not None
