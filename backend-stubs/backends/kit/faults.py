"""Fault injection for backend stubs: latency, errors and hangs, per path prefix.

Chaos and end-to-end tests need backends that misbehave on demand. Faults start from
`TESSERA_FAULTS` (JSON, e.g. `{"/products": {"delay_ms": 200, "error_rate": 0.1}}`) and can be
changed at run time through `/_faults`: `GET` shows them, `PUT` replaces them and `DELETE`
clears them; changes need `Authorization: Bearer $TESSERA_STUB_ADMIN_TOKEN`.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from tessera.runtime.asgi import ASGIApp, Receive, Scope, Send, header, send_response

ENDPOINT = "/_faults"
HANG_SECONDS = 3600.0


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
    ) -> None:
        self.app = app
        self.token = token
        self.faults = dict(faults or {})
        self.rng = rng
        self.sleep = sleep

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
            if fault.hang:
                await self.sleep(HANG_SECONDS)
            if fault.delay_ms:
                await self.sleep(fault.delay_ms / 1000)
            if fault.error_rate and self.rng() < fault.error_rate:
                body = json.dumps({"detail": "injected fault"}).encode()
                await send_response(send, 503, body, b"application/json")
                return
        await self.app(scope, receive, send)

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
