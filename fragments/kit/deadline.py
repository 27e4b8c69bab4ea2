"""The caller's deadline, as the shell (or its gateway) announces it: gRPC's propagation model.

The shell waits a fixed time for a fragment (and the gateway for a BFF) and then cuts it off.
It tells the fragment how long that is, in milliseconds from now, in `x-tessera-deadline-ms`
(relative, so no clocks need to agree; the shell has already taken its network margin off).
`DeadlineApp` turns the header into a deadline on the event loop's clock for the whole
request, and `remaining()` says what is left of it for backend calls, which the kit's backend
clients are capped by (fragments/kit/backends.py): a backend slower than the fragment's
deadline then fails in time for the renderer to answer its degraded version (no price, no
count) instead of the shell giving up on the whole fragment.

Without the header (a caller that does not propagate deadlines), there is no cap beyond the
backend clients' own timeout. A malformed or out-of-range value is ignored the same way:
the header is advice from the caller, never a reason to fail the request.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from tessera.runtime import contract
from tessera.runtime.asgi import ASGIApp, Receive, Scope, Send

#: The header as it arrives in an ASGI scope (the contract's name, lower-case bytes).
DEADLINE_HEADER = contract.DEADLINE_HEADER.encode()
#: A budget the kit takes: 1 to 6 ASCII digits, so at most 999,999 ms (about 16 minutes,
#: far beyond any timeout a caller has); anything else, e.g. a sign, spaces, a fraction or
#: Unicode digits, is not a budget.
_BUDGET = re.compile(rb"[0-9]{1,6}")
#: Kept back from the deadline for what comes after the last backend call: rendering the
#: template, building the response and writing it (a few ms, more under load or in a GC
#: pause). Backend calls get the deadline less this, so the degraded answer is still on time.
RENDER_MARGIN = 0.05

#: When the current request must be answered, on the event loop's clock; None: no deadline.
_deadline: ContextVar[float | None] = ContextVar("tessera_deadline", default=None)


def parse_budget(value: bytes | None) -> float | None:
    """The budget in `value` (a header value) in seconds, or None when it is not one."""
    if value is None or not _BUDGET.fullmatch(value):
        return None
    return int(value) / 1000


@contextmanager
def deadline_in(seconds: float | None) -> Iterator[None]:
    """Within the block, the request must be answered `seconds` from now (None: no deadline).

    Tasks started inside the block (e.g. Django's for the view) inherit it.
    """
    deadline = None if seconds is None else asyncio.get_running_loop().time() + seconds
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left for backend calls of the current request: its deadline less the render
    margin, from now (zero or less: none left); None when the request has no deadline."""
    deadline = _deadline.get()
    if deadline is None:
        return None
    return deadline - RENDER_MARGIN - asyncio.get_running_loop().time()


class DeadlineApp:
    """ASGI middleware: each HTTP request runs within the deadline its caller announced.

    Outermost around Django, so the budget counts from when the request arrived, and it
    covers the fragment's endpoint and its BFF alike.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        value = next((v for k, v in scope["headers"] if k == DEADLINE_HEADER), None)
        with deadline_in(parse_budget(value)):
            await self.app(scope, receive, send)
