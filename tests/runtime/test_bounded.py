"""How tessera.runtime.bounded counts a request head split across reads, on a fake transport."""

from __future__ import annotations

import asyncio

import uvicorn
from uvicorn.server import ServerState

from tessera.runtime.bounded import BoundedHttpToolsProtocol
from tessera.runtime.limits import ServerLimits
from tests.runtime.fakes import FakeTransport


def get(path: str, *headers: str) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: test", *headers, "", ""]
    return "\r\n".join(lines).encode()


async def app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": scope["path"].encode()})


def feed(reads: list[bytes], limits: ServerLimits) -> bytes:
    """What the protocol writes after receiving `reads` one by one."""

    async def scenario() -> bytes:
        protocol_class = BoundedHttpToolsProtocol.with_limits(limits)
        config = uvicorn.Config(app, http=protocol_class, log_level="warning")
        config.load()
        protocol = protocol_class(
            config=config,
            server_state=ServerState(),
            app_state={},
            _loop=asyncio.get_running_loop(),
        )
        fake = FakeTransport()
        protocol.connection_made(fake)
        for data in reads:
            protocol.data_received(data)
        for _ in range(20):  # a few loop turns per response
            await asyncio.sleep(0)
        return b"".join(data for kind, data in fake.log if kind == "write")

    return asyncio.run(scenario())


def pieces(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_a_head_within_the_limit_passes_in_any_number_of_reads():
    request = get("/spread", "Cookie: " + "c" * 30_000)
    for size in (1, 4096, len(request)):
        written = feed(pieces(request, size), ServerLimits())
        assert written.startswith(b"HTTP/1.1 200")
        assert written.endswith(b"/spread\r\n0\r\n\r\n")


def test_a_head_over_the_limit_is_refused_whatever_its_reads():
    request = get("/spread", "Cookie: " + "c" * 40_000)
    for size in (4096, len(request)):
        written = feed(pieces(request, size), ServerLimits())
        assert written.startswith(b"HTTP/1.1 431 ")


def test_an_unfinished_header_line_is_refused_once_its_reads_pass_the_limit():
    reads = [b"GET / HTTP/1.1\r\nHost: test\r\nX-Big: ", *[b"x" * 4096] * 10]
    limits = ServerLimits(max_head_bytes=16 * 1024)
    assert feed(reads[:4], limits) == b""  # 12 KiB so far: still waiting
    assert feed(reads, limits).startswith(b"HTTP/1.1 431 ")


def test_pipelined_requests_are_answered_in_order():
    written = feed([get("/one") + get("/two") + get("/three")], ServerLimits())
    assert written.count(b"HTTP/1.1 200") == 3
    assert written.index(b"/one") < written.index(b"/two") < written.index(b"/three")


def test_a_body_sharing_a_read_with_the_next_head_does_not_count_as_head():
    post = b"POST /one HTTP/1.1\r\nHost: test\r\nContent-Length: 65536\r\n\r\n" + b"b" * 65536
    second = get("/two")
    written = feed([post + second[:10], second[10:]], ServerLimits())
    assert written.count(b"HTTP/1.1 200") == 2
