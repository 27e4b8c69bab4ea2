import asyncio

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from tessera.runtime.coalesce import FLUSH_AT, CoalescingHttpToolsProtocol, CoalescingTransport


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


def coalescing() -> tuple[FakeTransport, CoalescingTransport]:
    """A fake socket transport and the coalescing one around it (in a running loop)."""
    fake = FakeTransport()
    return fake, CoalescingTransport(fake, asyncio.get_running_loop())


def test_writes_in_one_loop_turn_leave_as_one_after_it():
    async def scenario():
        fake, transport = coalescing()
        transport.write(b"head;")
        transport.write(b"body")
        assert fake.log == []  # held until the turn ends
        assert transport.get_write_buffer_size() == 9
        await asyncio.sleep(0)
        transport.write(b"later")
        await asyncio.sleep(0)
        return fake.log

    assert asyncio.run(scenario()) == [("write", b"head;body"), ("write", b"later")]


def test_close_sends_what_is_held_first():
    async def scenario():
        fake, transport = coalescing()
        transport.write(b"bye")
        transport.close()
        await asyncio.sleep(0)  # the scheduled flush finds nothing left to send
        return fake.log

    assert asyncio.run(scenario()) == [("write", b"bye"), ("close", b"")]


def test_writelines_is_held_too_and_eof_comes_after_what_is_held():
    async def scenario():
        fake, transport = coalescing()
        transport.write(b"a")
        transport.writelines([b"b", b"c"])
        assert fake.log == []
        transport.write_eof()
        return fake.log

    assert asyncio.run(scenario()) == [("write", b"abc"), ("eof", b"")]


def test_a_large_write_is_not_held():
    async def scenario():
        fake, transport = coalescing()
        transport.write(b"h")
        transport.write(b"x" * FLUSH_AT)
        sent_at_once = list(fake.log)
        await asyncio.sleep(0)
        return sent_at_once, fake.log

    sent_at_once, log = asyncio.run(scenario())
    assert sent_at_once == [("write", b"h" + b"x" * FLUSH_AT)]
    assert log == sent_at_once


def test_nothing_is_written_to_a_closing_transport():
    async def scenario():
        fake, transport = coalescing()
        transport.write(b"too late")
        fake.closing = True  # the peer went away in the meantime
        await asyncio.sleep(0)
        return fake.log

    assert asyncio.run(scenario()) == []


def test_other_transport_calls_reach_the_socket_transport():
    async def scenario():
        fake, transport = coalescing()
        transport.pause_reading()
        return fake.log

    assert asyncio.run(scenario()) == [("pause_reading", b"")]


def _serve(
    protocol_class, app, request: bytes = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"
) -> FakeTransport:
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


async def _turns(n: int = 5) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


def test_uvicorn_sends_a_response_in_one_write():
    async def scenario(protocol_class):
        async def app(scope, receive, send):
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"<p>page</p>"})

        fake = _serve(protocol_class, app)
        await _turns()
        return fake.log

    coalesced = asyncio.run(scenario(CoalescingHttpToolsProtocol))
    assert len(coalesced) == 1
    assert coalesced[0][1].startswith(b"HTTP/1.1 200 OK\r\n")
    assert coalesced[0][1].endswith(b"<p>page</p>\r\n0\r\n\r\n")
    # uvicorn's own protocol writes the head and the body separately: what this saves.
    assert len(asyncio.run(scenario(HttpToolsProtocol))) == 2


def test_a_streamed_part_goes_out_while_the_app_still_waits():
    async def scenario():
        release = asyncio.Event()

        async def app(scope, receive, send):
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"above", "more_body": True})
            await release.wait()
            await send({"type": "http.response.body", "body": b"below"})

        fake = _serve(CoalescingHttpToolsProtocol, app)
        await _turns()
        before_release = list(fake.log)
        release.set()
        await _turns()
        return before_release, fake.log

    before_release, log = asyncio.run(scenario())
    assert len(before_release) == 1
    assert before_release[0][1].startswith(b"HTTP/1.1 200 OK\r\n")
    assert before_release[0][1].endswith(b"5\r\nabove\r\n")
    assert log == [*before_release, ("write", b"5\r\nbelow\r\n0\r\n\r\n")]
