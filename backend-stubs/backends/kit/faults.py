"""Fault injection for backend stubs: latency, errors and hangs, per path prefix.

Chaos and end-to-end tests need backends that misbehave on demand. Faults start from
`TESSERA_FAULTS` (JSON, e.g. `{"/products": {"delay_ms": 200, "error_rate": 0.1}}`) and can be
changed at run time through `/_faults`: `GET` shows them, `PUT` replaces them and `DELETE`
clears them; changes need `Authorization: Bearer $TESSERA_STUB_ADMIN_TOKEN`.

An injected wait (`hang`, `delay_ms`) holds nothing but its caller, so it lets go as soon as
that caller is gone or the process is told to stop: when the caller disconnects, the request
ends without an answer (the stub never piles up requests nobody waits for); when the process is
asked to stop (SIGTERM or SIGINT, through `StopNotice`) a hang answers 503 at once and a delay
is cut short (the request is then served), so a stop neither waits for uvicorn's graceful
timeout nor ends in cancelled requests' tracebacks.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from tessera.runtime.asgi import ASGIApp, Receive, Scope, Send, header, send_response

ENDPOINT = "/_faults"
HANG_SECONDS = 3600.0

Message = dict[str, Any]
#: How an injected wait ended: its time was up, its caller left, or the process is stopping.
Ending = Literal["elapsed", "left", "stopping"]


@dataclass(frozen=True)
class Fault:
    delay_ms: int = 0
    error_rate: float = 0.0
    hang: bool = False

    @classmethod
    def parse(cls, prefix: str, raw: Any) -> Fault:
        """Validate one entry; ValueError with a message naming what is wrong."""
        if not isinstance(prefix, str) or not prefix.startswith("/"):
            raise ValueError(f"path prefix {prefix!r} must start with '/'")
        if not isinstance(raw, dict) or set(raw) - {"delay_ms", "error_rate", "hang"}:
            raise ValueError(f"{prefix}: expected an object with delay_ms, error_rate, hang")
        delay, rate, hang = (
            raw.get("delay_ms", 0),
            raw.get("error_rate", 0.0),
            raw.get("hang", False),
        )
        if not isinstance(delay, int) or isinstance(delay, bool) or not 0 <= delay <= 60_000:
            raise ValueError(f"{prefix}: delay_ms must be an integer from 0 to 60000")
        if not isinstance(rate, int | float) or isinstance(rate, bool) or not 0 <= rate <= 1:
            raise ValueError(f"{prefix}: error_rate must be a number from 0 to 1")
        if not isinstance(hang, bool):
            raise ValueError(f"{prefix}: hang must be true or false")
        return cls(delay, float(rate), hang)


def parse_faults(text: str) -> dict[str, Fault]:
    """Faults from their JSON form; ValueError with a clear message when malformed."""
    try:
        raw = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise ValueError(f"faults are not valid JSON: {exc}") from None
    except RecursionError:  # e.g. "[" * 2000: deeper than the parser goes
        raise ValueError("faults are nested too deeply to be a fault setting") from None
    if not isinstance(raw, dict):
        raise ValueError("faults must be a JSON object of path prefix -> fault")
    return {prefix: Fault.parse(prefix, entry) for prefix, entry in raw.items()}


class FaultInjector:
    """ASGI middleware applying the fault of the longest matching path prefix."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str,
        faults: dict[str, Fault] | None = None,
        rng: Callable[[], float] = random.random,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        stopping: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.app = app
        self.token = token
        self.faults = dict(faults or {})
        self.rng = rng
        self.sleep = sleep
        #: Returns once the process is told to stop (`StopNotice.wait` by default).
        self.stopping = stopping or PROCESS_STOP.wait

    def match(self, path: str) -> Fault | None:
        best = max((p for p in self.faults if path.startswith(p)), key=len, default=None)
        return None if best is None else self.faults[best]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == ENDPOINT:
            await self._admin(scope, receive, send)
            return
        fault = self.match(scope["path"])
        if fault is not None:
            early: list[Message] = []  # the request's body, read while waiting
            if fault.hang:
                ending = await self._wait(HANG_SECONDS, receive, early)
                if ending == "left":
                    return
                if ending == "stopping":
                    body = json.dumps({"detail": "injected hang ended: stopping"}).encode()
                    await send_response(send, 503, body, b"application/json")
                    return
            if fault.delay_ms and await self._wait(fault.delay_ms / 1000, receive, early) == "left":
                return
            if fault.error_rate and self.rng() < fault.error_rate:
                body = json.dumps({"detail": "injected fault"}).encode()
                await send_response(send, 503, body, b"application/json")
                return
            if early:
                receive = _replaying(early, receive)
        await self.app(scope, receive, send)

    async def _wait(self, seconds: float, receive: Receive, early: list[Message]) -> Ending:
        """Wait `seconds`, unless the caller leaves or the process is stopping first.

        Waiting for the caller's `http.disconnect` means reading `receive()`, which also
        yields the request's body: those messages are kept in `early`, for the app.
        """
        waits: dict[asyncio.Future[Any], Ending] = {
            asyncio.ensure_future(self.sleep(seconds)): "elapsed",
            asyncio.ensure_future(_until_disconnect(receive, early)): "left",
            asyncio.ensure_future(self.stopping()): "stopping",
        }
        try:
            done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
            await asyncio.gather(*waits, return_exceptions=True)
        for waiting in done:
            waiting.result()  # a failure of the server's receive() is the request's
        # Several at once: a caller that left needs nothing, not even a 503.
        endings = {waits[waiting] for waiting in done}
        order: tuple[Ending, ...] = ("left", "stopping")
        return next((ending for ending in order if ending in endings), "elapsed")

    def _json(self) -> bytes:
        return json.dumps({p: asdict(f) for p, f in self.faults.items()}).encode()

    async def _admin(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        if method == "GET":
            await send_response(send, 200, self._json(), b"application/json")
            return
        if method not in ("PUT", "DELETE"):
            await send_response(
                send, 405, b'{"detail": "use GET, PUT or DELETE"}', b"application/json"
            )
            return
        given = (header(scope, b"authorization") or "").removeprefix("Bearer ")
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            await send_response(
                send,
                401,
                b'{"detail": "a valid stub admin token is required"}',
                b"application/json",
            )
            return
        if method == "DELETE":
            self.faults = {}
        else:
            body = b""
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
            try:
                self.faults = parse_faults(body.decode("utf-8", "replace"))
            except ValueError as exc:
                await send_response(
                    send, 422, json.dumps({"detail": str(exc)}).encode(), b"application/json"
                )
                return
        await send_response(send, 200, self._json(), b"application/json")


async def _until_disconnect(receive: Receive, early: list[Message]) -> None:
    """Return when the caller disconnects; keep every request message until then in
    `early`. After the whole body only `http.disconnect` may come (ASGI): a server that sends
    anything else gives no notice of a disconnect, and this waits for ever instead."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        if early and not early[-1].get("more_body", False):
            await asyncio.Future()  # never done: cancelled when the wait ends
        early.append(message)


def _replaying(early: list[Message], receive: Receive) -> Receive:
    """`receive` with the messages already read (`early`) handed out first."""

    async def replay() -> Message:
        return early.pop(0) if early else await receive()

    return replay


class StopNotice:
    """Tells injected waits that the process was asked to stop.

    On a stop uvicorn waits up to its graceful timeout (`--graceful`, 10 s) for requests in
    progress, then cancels them, each with an "Exception in ASGI application" traceback. A
    request held by an injected fault has nothing to finish, so it should end at once: the
    stub's app calls `stop()` from its `on_stop` hook (see tessera.runtime.serve), which runs
    as soon as the signal arrives.
    """

    def __init__(self) -> None:
        self._stopping = asyncio.Event()

    @property
    def requested(self) -> bool:
        return self._stopping.is_set()

    def stop(self) -> None:
        """The process is stopping: every wait ends, now and later."""
        self._stopping.set()

    async def wait(self) -> None:
        """Return once the process is told to stop (at once if it already was)."""
        await self._stopping.wait()


#: The process's notice, shared by every injector in it.
PROCESS_STOP = StopNotice()
