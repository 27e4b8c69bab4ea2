"""Writes held to the end of the loop's turn (tessera.runtime.coalesce): sent together then,
one flush for every connection that wrote in the turn."""

import asyncio

from tessera.runtime.coalesce import FLUSH_AT, CoalescingTransport
from tests.runtime.fakes import FakeTransport


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


def test_one_flush_per_turn_serves_every_connection_that_wrote():
    async def scenario():
        loop = asyncio.get_running_loop()
        scheduled = []
        real_call_soon = loop.call_soon

        def counting_call_soon(callback, *args, **kwargs):
            scheduled.append(callback)
            return real_call_soon(callback, *args, **kwargs)

        loop.call_soon = counting_call_soon
        try:
            fakes = [FakeTransport() for _ in range(3)]
            transports = [CoalescingTransport(fake, loop) for fake in fakes]
            for n, transport in enumerate(transports):
                transport.write(b"response %d" % n)
            assert [fake.log for fake in fakes] == [[], [], []]
            assert len(scheduled) == 1  # one flush for the three
            await asyncio.sleep(0)
            return [fake.log for fake in fakes]
        finally:
            del loop.call_soon

    assert asyncio.run(scenario()) == [[("write", b"response %d" % n)] for n in range(3)]


def test_a_connection_whose_write_fails_costs_the_others_nothing():
    """One transport raising in the turn's flush (its socket shut for writing) must not
    leave the others' responses held for good."""

    class Broken(FakeTransport):
        def write(self, data: bytes) -> None:
            raise RuntimeError("Cannot call write() after write_eof()")

    async def scenario():
        loop = asyncio.get_running_loop()
        broken, fine = Broken(), FakeTransport()
        first, second = CoalescingTransport(broken, loop), CoalescingTransport(fine, loop)
        first.write(b"to a shut socket")
        second.write(b"response")
        await asyncio.sleep(0)
        second.write(b"next response")  # its turn after: written too, not held for good
        await asyncio.sleep(0)
        return broken.log, fine.log

    broken_log, fine_log = asyncio.run(scenario())
    assert broken_log == [("close", b"")]
    assert fine_log == [("write", b"response"), ("write", b"next response")]


def test_nothing_is_written_after_the_end_of_writing():
    """A refused connection is shut for writing: a slower request's answer that comes after
    is dropped, not raised into the loop."""

    async def scenario():
        fake, transport = coalescing()
        transport.write(b"408 refusal")
        transport.write_eof()
        transport.write(b"a late answer")
        await asyncio.sleep(0)
        return fake.log

    assert asyncio.run(scenario()) == [("write", b"408 refusal"), ("eof", b"")]
