"""Pages made only of fresh copies from the cache, rendered once and sent again.

When every fragment of a page is a fresh copy, the page's body is the same bytes for every
request that gets those copies, but for the Content-Security-Policy nonce in the shell's
own scripts. So the body is rendered once, with a stand-in nonce, and kept split around
it; the next such page joins the pieces with its own nonce, and its Server-Timing is the
one kept with them. Headers are still made for each request (request id, nonce, cookies).

The key is the plan and the identity of each copy's outcome: a copy that is refreshed or
replaced is a new outcome, so a page is never sent from copies older than the ones the
request got. The kept pages hold their plan and outcomes, so that no identity is reused
while they are kept, and they are bounded in bytes, least recently used going first.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from shell.engine.outcome import Outcome
from shell.engine.plan import Placement, Plan
from shell.engine.stream import PageStream, server_timing

#: Bytes of rendered pages kept, as a share of the fragment cache's (`TESSERA_CACHE_BYTES`):
#: 4 MiB by default, a hundred and seventy standard pages.
SHARE_OF_CACHE = 1 / 16
#: Stands for the nonce while a page is rendered: random, so that no fragment can write it.
_STAND_IN = os.urandom(16).hex()


@dataclass(slots=True)
class Rendered:
    """A page's body split around its nonce, its Server-Timing, and what it was made of."""

    pieces: list[bytes]
    timing: str  # the page's Server-Timing, for its access line
    timing_value: bytes  # the same, as the header's value
    plan: Plan
    outcomes: tuple[Outcome, ...]
    size: int

    def body(self, nonce: str) -> bytes:
        return nonce.encode().join(self.pieces)


class RenderedPages:
    """The pages of fresh copies rendered so far, least recently used first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._pages: OrderedDict[tuple[int, ...], Rendered] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pages)

    def get(self, plan: Plan, outcomes: Sequence[Outcome]) -> Rendered | None:
        """The page of `plan` with `outcomes` (one per placement, in order), if it was
        rendered and is still kept."""
        key = (id(plan), *map(id, outcomes))
        page = self._pages.get(key)
        if page is not None:
            self._pages.move_to_end(key)
        return page

    async def render(
        self,
        plan: Plan,
        outcomes: Sequence[Outcome],
        *,
        title: str,
        description: str,
        site_name: str,
        lang: str,
    ) -> Rendered:
        """Render the page of `plan` with `outcomes` and keep it if it fits. `title` and
        `description` are the decision's for them."""
        page = await _render(plan, tuple(outcomes), title, description, site_name, lang)
        if page.size <= self.max_bytes:
            self._pages[(id(plan), *map(id, outcomes))] = page
            self.bytes += page.size
            while self.bytes > self.max_bytes:
                _, evicted = self._pages.popitem(last=False)
                self.bytes -= evicted.size
        return page


async def _render(
    plan: Plan,
    outcomes: tuple[Outcome, ...],
    title: str,
    description: str,
    site_name: str,
    lang: str,
) -> Rendered:
    """The page of `plan` with `outcomes`, rendered by the page stream with the stand-in
    nonce, and split around it."""
    loop = asyncio.get_running_loop()
    tasks: dict[Placement, asyncio.Future[Outcome]] = {}
    for placement, outcome in zip(plan.placements, outcomes, strict=True):
        tasks[placement] = done = loop.create_future()
        done.set_result(outcome)
    parts: list[bytes] = []

    async def keep(message: dict) -> None:
        if message["type"] == "http.response.body":
            parts.append(message["body"])

    stream = PageStream(
        keep,
        plan,
        tasks,
        title=title,
        description=description,
        site_name=site_name,
        lang=lang,
        deadline=time.monotonic(),  # every fragment is in: nothing is waited for
        nonce=_STAND_IN,
    )
    await stream.body()
    body = b"".join(parts)
    pieces = body.split(_STAND_IN.encode())
    timing = server_timing(plan, tasks)
    return Rendered(pieces, timing, timing.encode(), plan, outcomes, len(body))
