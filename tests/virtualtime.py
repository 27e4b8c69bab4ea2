"""An asyncio event loop on a virtual clock, for tests of timing logic.

Timers fire in the order of their times and `loop.time()` says exactly when, but no real time
passes: when nothing is ready to run, the clock jumps to the next timer. A test of "the
deadline fires before the block ends" then neither waits nor depends on how loaded the
machine is. Only for code that waits on timers and other tasks, not on sockets: a loop
waiting for I/O with no timer pending would wait for real.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        super().__init__()
        self._now = 0.0

    def time(self) -> float:
        return self._now

    def _run_once(self) -> None:
        # Nothing to run now: move the clock to the next live timer, so that the selector is
        # polled without waiting and that timer is due on this turn.
        if not self._ready:
            pending = [h.when() for h in self._scheduled if not h.cancelled()]
            if pending:
                self._now = max(self._now, min(pending))
        super()._run_once()


def run(main: Awaitable[T]) -> T:
    """`asyncio.run(main)` on a virtual clock that starts at 0."""
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(main)
