"""Streaming a planned page to the client as its fragments resolve.

Static layout text and resolved fragments are buffered and sent together; the buffer is
flushed whenever the next fragment in document order is still pending, so the browser gets
everything above it at once. Async fragments are sent last, in the order they finish.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence

from shell.engine.assemble import Assembler, head_meta
from shell.engine.outcome import Outcome
from shell.engine.plan import ASSETS, DESCRIPTION, LANG, SLOT, TAIL, TEXT, TITLE, Placement, Plan
from shell.engine.retry import placeholder
from tessera.runtime.asgi import Send

Tasks = Mapping[Placement, "asyncio.Future[Outcome]"]  # tasks, or done futures for fresh copies


def server_timing(plan: Plan, tasks: Tasks) -> str:
    """Each fragment's duration and outcome with how it was had (e.g. `desc="ok hit"`, see
    `outcome.VIAS`); those still pending are marked as streamed."""
    entries = []
    for placement in plan.placements:
        task = tasks[placement]
        if task.done() and not task.cancelled():
            outcome = task.result()
            desc = f"{outcome.kind} {outcome.via}" if outcome.via else outcome.kind
            entries.append(f'{placement.name};dur={outcome.duration_ms:.1f};desc="{desc}"')
        else:
            entries.append(f'{placement.name};desc="streamed"')
    return ", ".join(entries)


class PageStream:
    """Sends one page: the start of the response, then its body in chunks."""

    def __init__(
        self,
        send: Send,
        plan: Plan,
        tasks: Tasks,
        *,
        title: str,
        description: str,
        site_name: str = "",
        lang: str = "en",
        deadline: float,
        nonce: str,
        head_only: bool = False,
    ) -> None:
        self.send = send
        self.plan = plan
        self.tasks = tasks
        self.title, self.description = head_meta(title, description, site_name)
        self.lang = lang  # one of the shop's languages (locale.py): no escaping needed
        self.deadline = deadline
        self.head_only = head_only
        self.assembler = Assembler(nonce, lang)
        self._buffer: list[str] = []

    async def start(self, status: int, headers: Sequence[tuple[bytes, bytes]]) -> None:
        await self.send({"type": "http.response.start", "status": status, "headers": list(headers)})

    async def _flush(self, more: bool) -> None:
        if self.head_only:
            if not more:
                await self.send({"type": "http.response.body", "body": b""})
            return
        body = "".join(self._buffer).encode()
        self._buffer.clear()
        if body or not more:
            await self.send({"type": "http.response.body", "body": body, "more_body": more})

    async def _pending(self, placement: Placement) -> Outcome:
        """The outcome of a fragment not resolved yet, flushing what precedes it first."""
        task = self.tasks[placement]
        # Responses already in the socket buffers are handled in the next loop turn: take
        # them first, so a fast page goes out in one write rather than several.
        await asyncio.sleep(0)
        if not task.done():
            await self._flush(more=True)
            await asyncio.wait({task}, timeout=max(0.0, self.deadline - time.monotonic()))
            if not task.done():  # the page's budget ran out: let the browser retry it
                task.cancel()
                return placeholder(placement.name, self.plan.params, "page budget exceeded")
        return task.result()

    def _done_outcomes(self) -> list[Outcome]:
        return [t.result() for t in self.tasks.values() if t.done() and not t.cancelled()]

    async def body(self) -> None:
        """Send the body, part by part, and finish the response."""
        pending_async: list[Placement] = []
        buffer, tasks = self._buffer, self.tasks
        for kind, value in self.plan.steps:
            if kind == TEXT:
                buffer.append(value)  # type: ignore[arg-type]
            elif kind == SLOT:
                for placement in value:  # type: ignore[union-attr]
                    if placement.is_async:
                        buffer.append(self.assembler.async_placeholder(placement))
                        pending_async.append(placement)
                    else:
                        task = tasks[placement]
                        # A finished fragment is taken as it is, without a coroutine call.
                        outcome = task.result() if task.done() else await self._pending(placement)
                        buffer.append(self.assembler.fragment(outcome))
            elif kind == TITLE:
                buffer.append(self.title)
            elif kind == DESCRIPTION:
                buffer.append(self.description)
            elif kind == ASSETS:
                buffer.append(self.assembler.assets(self._done_outcomes()))
            elif kind == TAIL:
                await self._async_fills(pending_async)
                buffer.append(self.assembler.tail())
            elif kind == LANG:  # once, at the top: last in line costs the others nothing
                buffer.append(self.lang)
        await self._flush(more=False)

    async def _async_fills(self, placements: list[Placement]) -> None:
        waiting = {self.tasks[p]: p for p in placements}
        while waiting:
            ready = [t for t in waiting if t.done()]
            if not ready:
                await self._flush(more=True)
                timeout = max(0.0, self.deadline - time.monotonic())
                done, _ = await asyncio.wait(
                    waiting, timeout=timeout, return_when="FIRST_COMPLETED"
                )
                if not done:  # budget exhausted: the rest stay empty placeholders
                    for task in waiting:
                        task.cancel()
                    return
                ready = list(done)
            for task in ready:
                placement = waiting.pop(task)
                self._buffer.append(self.assembler.async_fill(placement, task.result()))
