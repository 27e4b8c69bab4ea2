"""A fake socket transport, and uvicorn's protocol serving an app on it, for tests of what a
service's connections write (test_cycle.py, test_bounded.py)."""

from __future__ import annotations

import asyncio

import uvicorn
from uvicorn.server import ServerState


class FakeTransport:
    """Records what reaches the socket, in order."""

    def __init__(self) -> None:
        self.log: list[tuple[str, bytes]] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        self.log.append(("write", data))

    def close(self) -> None:
        self.closing = True
        self.log.append(("close", b""))

    def write_eof(self) -> None:
        self.log.append(("eof", b""))

    def can_write_eof(self) -> bool:
        return True

    def is_closing(self) -> bool:
        return self.closing

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name, default=None):
        return default

    def pause_reading(self) -> None:
        self.log.append(("pause_reading", b""))

    def resume_reading(self) -> None:
        pass


def serve(protocol_class, app, request: bytes = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"):
    """Start `app` under uvicorn's protocol `protocol_class` on `request`, on a fake socket."""
    config = uvicorn.Config(app, http=protocol_class, log_level="warning")
    config.load()
    protocol = config.http_protocol_class(
        config=config, server_state=ServerState(), app_state={}, _loop=asyncio.get_running_loop()
    )
    fake = FakeTransport()
    protocol.connection_made(fake)
    protocol.data_received(request)
    return fake


async def turns(n: int = 5) -> None:
    """Let the event loop run `n` turns: enough for a stand-in app to answer."""
    for _ in range(n):
        await asyncio.sleep(0)
