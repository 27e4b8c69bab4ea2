"""Noticing that a page's client has gone, so that the page's fetches stop at once.

ASGI tells an app about a disconnect only through `receive()`, so noticing one takes a
task waiting on it. Most pages are sent before it would matter, so the watch begins a
little into the page, from a timer, rather than costing a task on every page.
"""

from __future__ import annotations

import asyncio

from tessera.runtime.asgi import Receive

#: Seconds a page runs before it starts listening for the client leaving, by default. Most
#: pages are done sooner, and listening costs a task per page; a later disconnect is still
#: noticed promptly.
WATCH_DISCONNECT_AFTER = 0.05


class DisconnectWatch:
    """Cancels the page's task when the client disconnects, so its fetches stop.

    The watch begins `after` seconds into the page, not at once (see WATCH_DISCONNECT_AFTER).
    """

    def __init__(
        self, receive: Receive, page: asyncio.Task, after: float = WATCH_DISCONNECT_AFTER
    ) -> None:
        self.receive = receive
        self.page = page
        self.disconnected = False
        self._task: asyncio.Task | None = None
        self._timer = page.get_loop().call_later(after, self._begin)

    def _begin(self) -> None:
        self._task = self.page.get_loop().create_task(self._watch())

    async def _watch(self) -> None:
        while (await self.receive())["type"] != "http.disconnect":
            pass
        self.disconnected = True
        self.page.cancel()

    def stop(self) -> None:
        self._timer.cancel()
        if self._task is not None:
            self._task.cancel()
