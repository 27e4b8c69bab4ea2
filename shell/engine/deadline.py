"""A total deadline for the running task, as `asyncio.timeout` gives, at a fraction of its cost.

Measured with callgrind on the standard page, `asyncio.timeout` cost about 29,000
instructions per fragment fetch, 12 % of a whole page. This does the same job for the one
shape the engine needs (a synchronous `with` around awaits in a task): one timer handle;
when it fires, the tasks inside are cancelled, and the cancellation is turned into
`TimeoutError` at the block's end unless someone else also cancelled the task.

A deadline can be shared: a page's fetches with the same timeout start together, so they
enter one deadline, one timer for all of them instead of one each (on uvloop a timer is a
libuv handle: creating and cancelling one per fetch cost ~8,000 instructions).
"""

from __future__ import annotations

import asyncio
from types import TracebackType


class Deadline:
    """`with Deadline(seconds):` raises TimeoutError if the block is still running then.

    A `shared` deadline may be entered by several tasks, each in its own `with` block; its
    owner calls `close()` once none can enter any more. An unshared one closes itself when
    its block ends.
    """

    __slots__ = ("_handle", "_inside", "_loop", "_shared", "expired")

    def __init__(self, seconds: float, *, shared: bool = False) -> None:
        self._loop = asyncio.get_running_loop()  # RuntimeError outside an event loop
        self._inside: set[asyncio.Task] = set()
        self._shared = shared
        self.expired = False
        self._handle = self._loop.call_later(seconds, self._expire)

    def _expire(self) -> None:
        self.expired = True
        for task in self._inside:
            task.cancel()

    def __enter__(self) -> Deadline:
        if self.expired:
            raise TimeoutError
        task = asyncio.current_task(self._loop)  # given the loop, it need not look it up
        assert task is not None, "a deadline bounds the awaits of a task"
        self._inside.add(task)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        task = asyncio.current_task(self._loop)
        self._inside.discard(task)
        if not self._shared:
            self._handle.cancel()
        # Only our own cancellation becomes a timeout; a caller's cancel stays a cancel.
        if self.expired and exc_type is asyncio.CancelledError and task.uncancel() == 0:
            raise TimeoutError from exc

    def close(self) -> None:
        """Stop the timer: no task is inside, or none needs bounding any more."""
        self._handle.cancel()
