"""The shell's layouts, published to the registry, and picked up as their files change.

Pages name a layout and placements a slot of it; the registry checks both against what the
shells publish here (`PUT /api/v1/layouts/<name>`), so a layout is defined in one place, its
file. The shell looks at its layouts folders every few seconds: when a file was added,
removed or written it forgets its compiled layouts, reads the registry's last snapshot again
(so a page using a new layout is served from now on, and plans are made afresh) and
publishes every layout. A layout that does not compile is logged and left out; a publish
that fails is tried again on the next look, and so is one the registry refuses because
pages still place fragments in a slot the file dropped (409: said once, published as soon
as an operator has moved them). Nothing here is on a page's path.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import httpx

from shell.engine import layout
from tessera.runtime import tasks
from tessera.runtime.jsonlog import describe, failure
from tessera.runtime.registry_client import registry_client

logger = logging.getLogger("tessera.layouts")

#: Seconds between looks at the layouts folders.
WATCH_INTERVAL = 2.0


class LayoutPublisher:
    """Watches the layouts folders; on a change reloads them, calls `on_change`, publishes."""

    def __init__(
        self,
        registry_url: str,
        token: str,
        *,
        on_change: Callable[[], None],
        interval: float = WATCH_INTERVAL,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.on_change = on_change
        self.interval = interval
        self._seen: tuple | None = None
        #: Layouts not yet published since they last changed.
        self.pending: set[str] = set()
        #: Why the registry refuses a pending layout until pages change (logged once each).
        self._refusals: dict[str, str] = {}
        self._client = registry_client(registry_url, token, transport=transport)
        self._task: asyncio.Task[None] | None = None

    async def check(self) -> None:
        """One look: reload and rebuild if a file changed, then publish what is pending."""
        seen = layout.fingerprint()
        if seen != self._seen:
            if self._seen is not None:
                logger.info("layouts changed: reloading them")
                layout.reload()
                self.on_change()
            self._seen = seen
            self.pending = set(layout.available())
        for name in sorted(self.pending):
            await self._publish(name)

    async def _publish(self, name: str) -> None:
        try:
            slots = list(dict.fromkeys(layout.load_layout(name).slots))
        except Exception as exc:  # a template error in an operator's file costs that layout
            logger.error("layout does not compile", extra={"layout": name, "error": describe(exc)})
            self.pending.discard(name)
            return
        started = time.monotonic()
        try:
            response = await self._client.put(f"/layouts/{name}", json={"slots": slots})
        except httpx.HTTPError as exc:
            logger.warning("layout not published", extra=failure(exc, started, layout=name))
            return
        if response.is_success:
            self.pending.discard(name)
            self._refusals.pop(name, None)
            logger.info("layout published", extra={"layout": name, "slots": slots})
        elif response.status_code == 409:  # pages use a slot it drops: fine once they move
            if self._refusals.get(name) != response.text:
                self._refusals[name] = response.text
                logger.error(
                    "registry refused the layout until pages move their placements",
                    extra={"layout": name, "body": response.text[:500]},
                )
        elif response.is_client_error:  # it will not fix itself: say why, and let it be
            logger.error(
                "registry refused the layout",
                extra={"layout": name, "status": response.status_code, "body": response.text[:500]},
            )
            self.pending.discard(name)
        else:
            logger.warning(
                "layout not published", extra={"layout": name, "status": response.status_code}
            )

    async def _run(self) -> None:
        while True:
            try:
                await self.check()
            except OSError as exc:  # the folder went away: keep what is compiled
                logger.error("layouts folder unreadable", extra={"error": describe(exc)})
            await asyncio.sleep(self.interval)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="layout-publisher")

    async def stop(self) -> None:
        await tasks.stop(self._task)
        await self._client.aclose()
