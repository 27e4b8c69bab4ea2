"""A scripted HTTP/1.1 server on loopback for tests of code that makes HTTP requests.

Each route answers with a fixed status, headers and body, optionally after a delay or once a
gate opens, so tests exercise real sockets without starting a whole service.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html"})
    delay: float = 0.0
    gate: asyncio.Event | None = None  # answer only once it is set: no timing in the test


@dataclass
class Server:
    routes: dict[str, Reply]
    requests: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""
    connections: int = 0  # connections accepted so far: proves keep-alive reuse
    in_flight: int = 0
    max_in_flight: int = 0  # most requests being answered at once: proves parallel fetching

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {
                    k.strip().lower(): v.strip()
                    for k, v in (line.split(":", 1) for line in lines[1:] if line)
                }
                body = await reader.readexactly(int(headers.get("content-length", 0)))
                self.requests.append((method, target, headers, body))
                reply = self.routes.get(target.split("?")[0], Reply(404, b"not found"))
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
                try:
                    if reply.delay:
                        await asyncio.sleep(reply.delay)
                    if reply.gate is not None:
                        await reply.gate.wait()
                finally:
                    self.in_flight -= 1
                response_headers = {**reply.headers, "Content-Length": str(len(reply.body))}
                writer.write(
                    f"HTTP/1.1 {reply.status} X\r\n".encode()
                    + "".join(f"{k}: {v}\r\n" for k, v in response_headers.items()).encode()
                    + b"\r\n"
                    + reply.body
                )
                await writer.drain()
        writer.close()


@contextlib.asynccontextmanager
async def serve(routes: dict[str, Reply]) -> AsyncIterator[Server]:
    """Serve `routes` on a free loopback port for the duration of the block."""
    server = Server(routes)
    listener = await asyncio.start_server(server._handle, "127.0.0.1", 0)
    server.url = f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}"
    async with listener:
        yield server
        listener.close()
