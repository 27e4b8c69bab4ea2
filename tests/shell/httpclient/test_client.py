"""The fragment client over real loopback sockets: well-behaved, hostile and foreign servers."""

import asyncio
import shutil
import ssl
import subprocess

import pytest

from conftest import free_port
from shell.engine.httpclient import (
    BodyTooLarge,
    Client,
    ConnectError,
    ConnectionClosed,
    InvalidResponse,
    Limits,
    Overloaded,
)
from shell.engine.httpclient.protocol import HTTPConnection
from tessera.runtime.env import REPO_ROOT
from tests.httpserver import Reply, serve
from tests.shell.httpclient.hostile import Hostile, chunked, hostile, read_request, response


def run(scenario):
    return asyncio.run(scenario())


def test_keep_alive_connections_are_reused_against_a_python_server():
    async def scenario():
        async with serve({"/f": Reply(body=b"<p>x</p>")}) as server:
            client = Client()
            bodies = [(await client.get(server.url + "/f", {})).body for _ in range(5)]
            await client.aclose()
            return bodies, server.connections

    bodies, connections = run(scenario)
    assert bodies == [b"<p>x</p>"] * 5
    assert connections == 1


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_keep_alive_and_sizes_against_a_node_server():
    port = free_port()
    node = subprocess.Popen(
        ["node", str(REPO_ROOT / "bench" / "origin.js"), str(port)], stdout=subprocess.PIPE
    )
    try:
        assert node.stdout.readline().startswith(b"origin listening")

        async def scenario():
            client = Client()
            results = [
                await client.get(f"http://127.0.0.1:{port}/reviews?size={size}", {})
                for size in (100, 5000, 70000)
            ]
            pool = next(iter(client._pools.values()))
            open_connections = pool.open
            await client.aclose()
            return results, open_connections

        results, open_connections = run(scenario)
    finally:
        node.terminate()
        node.wait()
    assert [len(r.body) for r in results] == [100, 5000, 70000]
    assert results[0].headers["link"] == '</assets/reviews.css>; rel="stylesheet"'
    assert open_connections == 1


async def _until(condition, seconds: float = 10.0) -> None:
    """Let the loop run until `condition()` holds; fail after `seconds` (generous: a loaded
    machine is slow, but what is awaited here is a matter of loop turns, not of time)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the condition never held"
        await asyncio.sleep(0.01)


def test_a_connection_the_server_closed_while_idle_is_replaced_when_the_close_was_seen():
    async def once_then_close(reader, writer, server):
        await read_request(reader, server)
        writer.write(response(b"first"))
        await writer.drain()
        # Closes without saying so, as servers with short keep-alive timeouts do.

    async def scenario():
        async with hostile(once_then_close) as server:
            client = Client()
            first = await client.get(server.url + "/", {})
            pool = next(iter(client._pools.values()))
            # The close has arrived: the kept connection is known closed (or was never kept).
            await _until(lambda: all(c.closed for c in pool.idle))
            second = await client.get(server.url + "/", {})
            await client.aclose()
            return first.body, second.body, server.connections, len(server.requests)

    # A new connection at once: nothing was sent on the dead one.
    assert run(scenario) == (b"first", b"first", 2, 2)


def test_a_connection_the_server_closes_after_the_next_request_is_sent_is_retried_once():
    async def answer_once_then_drop_the_next(reader, writer, server):
        await read_request(reader, server)
        writer.write(response(b"first"))
        await writer.drain()
        # The next request on this kept-alive connection arrives, and the server closes it
        # unanswered: the client learns of the close only after it sent the request.
        await read_request(reader, server)

    async def scenario():
        async with hostile(answer_once_then_drop_the_next) as server:
            client = Client()
            first = await client.get(server.url + "/", {})
            second = await client.get(server.url + "/", {})
            await client.aclose()
            return first.body, second.body, server.connections, len(server.requests)

    # The second request went out twice: on the stale connection, then on a new one.
    assert run(scenario) == (b"first", b"first", 2, 3)


def test_a_stale_connection_whose_close_is_not_yet_seen_is_retried_once():
    async def scenario():
        async with serve({"/": Reply(body=b"ok")}) as server:
            client = Client()
            await client.get(server.url + "/", {})
            pool = next(iter(client._pools.values()))
            idle = pool.idle[0]
            idle.transport.abort()  # the socket dies; the protocol has not been told yet
            idle.closed = False
            result = await client.get(server.url + "/", {})
            await client.aclose()
            return result.body, server.connections

    assert run(scenario) == (b"ok", 2)


def test_connection_close_responses_are_not_pooled():
    async def scenario():
        reply = Reply(body=b"bye", headers={"Content-Type": "text/html", "Connection": "close"})
        async with serve({"/": reply}) as server:
            client = Client()
            await client.get(server.url + "/", {})
            pool = next(iter(client._pools.values()))
            state = (pool.open, len(pool.idle))
            await client.aclose()
            return state

    assert run(scenario) == (0, 0)


def test_chunked_bodies_from_a_real_socket():
    async def script(reader, writer, server):
        await read_request(reader, server)
        raw = chunked(b"<p>", b"chunk" * 1000, b"</p>")
        for i in range(0, len(raw), 7):  # many small packets
            writer.write(raw[i : i + 7])
            await writer.drain()

    async def scenario():
        async with hostile(script) as server:
            client = Client()
            result = await client.get(server.url + "/", {})
            await client.aclose()
            return result.body

    assert run(scenario) == b"<p>" + b"chunk" * 1000 + b"</p>"


@pytest.mark.parametrize("behaviour", ["hang", "drip"])
def test_a_hanging_or_drip_feeding_server_ends_at_the_callers_deadline(behaviour):
    async def script(reader, writer, server):
        await read_request(reader, server)
        if behaviour == "hang":
            await asyncio.sleep(3600)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        while True:  # a byte at a time, forever: an idle timeout would never fire
            writer.write(b"1\r\nx\r\n")
            await writer.drain()
            await asyncio.sleep(0.01)

    async def scenario():
        async with hostile(script) as server:
            client = Client()
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.3):
                    await client.get(server.url + "/", {})
            pool = next(iter(client._pools.values()))
            state = (pool.open, len(pool.idle))
            await client.aclose()
            return state

    assert run(scenario) == (0, 0)  # the half-read connection was closed, not pooled


def test_huge_bodies_are_refused_and_garbage_is_invalid():
    async def script(reader, writer, server):
        target = (await read_request(reader, server)).split(b" ")[1]
        if target == b"/huge":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 104857600\r\n\r\n" + b"x" * 65536)
        elif target == b"/endless":
            writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            for _ in range(200):
                writer.write(b"10000\r\n" + b"x" * 65536 + b"\r\n")
                await writer.drain()
        else:
            writer.write(b"\x16\x03\x01garbage that is not HTTP\r\n\r\n")
        await writer.drain()
        await asyncio.sleep(1)

    async def scenario():
        async with hostile(script) as server:
            client = Client(Limits(max_body_bytes=100_000))
            errors = []
            for path in ("/huge", "/endless", "/garbage"):
                try:
                    await client.get(server.url + path, {})
                except (BodyTooLarge, InvalidResponse) as exc:
                    errors.append(type(exc))
            await client.aclose()
            return errors

    assert run(scenario) == [BodyTooLarge, BodyTooLarge, InvalidResponse]


def test_a_truncated_body_on_a_reused_connection_is_not_retried():
    async def script(reader, writer, server):
        await read_request(reader, server)
        writer.write(response(b"complete"))
        await read_request(reader, server)
        writer.write(response(b"x" * 100)[:-60])
        await writer.drain()

    async def scenario():
        async with hostile(script) as server:
            client = Client()
            await client.get(server.url + "/", {})
            with pytest.raises(ConnectionClosed) as error:
                await client.get(server.url + "/", {})
            await client.aclose()
            return error.value.received_any, server.connections

    assert run(scenario) == (True, 1)


def test_connection_refused_is_a_connect_error():
    async def scenario():
        client = Client()
        with pytest.raises(ConnectError, match=r"cannot connect to 127\.0\.0\.1"):
            await client.get(f"http://127.0.0.1:{free_port()}/", {})
        pool = next(iter(client._pools.values()))
        return pool.open

    assert run(scenario) == 0


def test_each_origin_has_its_own_connection_limit():
    release = asyncio.Event()

    async def held(reader, writer, server):  # answers only once the test lets it
        while True:
            await read_request(reader, server)
            await release.wait()
            writer.write(response(b"slow"))
            await writer.drain()

    async def scenario():
        async with hostile(held) as slow, serve({"/fast": Reply(body=b"fast")}) as fast:
            client = Client(Limits(max_connections_per_origin=2))
            slow_requests = [
                asyncio.create_task(client.get(slow.url + "/slow", {})) for _ in range(6)
            ]
            await _until(lambda: len(slow.requests) == 2)  # the slow origin's pool is full
            # ...and the fast origin is not held up by it.
            fast_body = (await asyncio.wait_for(client.get(fast.url + "/fast", {}), 10)).body
            slow_done = sum(task.done() for task in slow_requests)
            waiting = (len(slow.requests), slow.connections)
            release.set()
            results = await asyncio.gather(*slow_requests)
            await client.aclose()
            return fast_body, slow_done, waiting, [r.body for r in results], slow.connections

    fast_body, slow_done, waiting, slow_bodies, slow_connections = run(scenario)
    assert fast_body == b"fast"
    assert slow_done == 0
    assert waiting == (2, 2)  # four requests waited for a connection, none opened a third
    assert slow_bodies == [b"slow"] * 6
    assert slow_connections == 2


def test_idle_connections_expire_by_the_clock():
    now = [1000.0]

    async def scenario():
        async with serve({"/": Reply(body=b"ok")}) as server:
            client = Client(Limits(idle_timeout=30), clock=lambda: now[0])
            await client.get(server.url + "/", {})
            now[0] += 29
            await client.get(server.url + "/", {})
            reused = server.connections
            now[0] += 31
            await client.get(server.url + "/", {})
            pool = next(iter(client._pools.values()))
            state = (reused, server.connections, pool.open)
            await client.aclose()
            return state

    assert run(scenario) == (1, 2, 1)


def test_cancelling_mid_response_closes_the_connection(monkeypatch):
    received = asyncio.Event()
    data_received = HTTPConnection.data_received

    def spy(connection, data):  # tells the test that part of the response has arrived
        data_received(connection, data)
        received.set()

    monkeypatch.setattr(HTTPConnection, "data_received", spy)

    async def script(reader, writer, server):
        await read_request(reader, server)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf")
        await writer.drain()
        await asyncio.sleep(3600)

    async def scenario():
        async with hostile(script) as server:
            client = Client()
            task = asyncio.create_task(client.get(server.url + "/", {}))
            await asyncio.wait_for(received.wait(), 10)  # mid-response, not before it
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            pool = next(iter(client._pools.values()))
            return pool.open, len(pool.idle)

    assert run(scenario) == (0, 0)


def test_header_values_cannot_inject_lines():
    async def scenario():
        async with serve({"/": Reply(body=b"ok")}) as server:
            client = Client()
            await client.get(server.url + "/", {"x-locale": "en\r\nX-Admin: 1", "x-ok": "yes"})
            await client.aclose()
            return server.requests[0][2]

    headers = run(scenario)
    assert headers["x-locale"] == "enX-Admin: 1"
    assert "x-admin" not in headers and headers["x-ok"] == "yes"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_https_instances_are_fetched_over_tls(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=localhost", "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key),
         "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    client_tls = ssl.create_default_context(cafile=str(cert))

    async def scenario():
        async def script(reader, writer):  # a plain asyncio TLS server, not `hostile`
            await read_request(reader, state)
            writer.write(response(b"<p>secure</p>"))
            await writer.drain()
            await asyncio.sleep(1)

        state = Hostile()
        listener = await asyncio.start_server(script, "127.0.0.1", 0, ssl=server_tls)
        port = listener.sockets[0].getsockname()[1]
        async with listener:
            client = Client(tls=client_tls)
            result = await client.get(f"https://localhost:{port}/", {})
            await client.aclose()
            listener.close()
            return result.body, state.requests[0]

    body, request = run(scenario)
    assert body == b"<p>secure</p>"
    assert b"Host: localhost:" in request


def test_requests_are_plain_gets_without_compression():
    async def scenario():
        async with serve({"/f": Reply(body=b"ok")}) as server:
            client = Client()
            await client.get(server.url + "/f?sku=1", {"accept": "text/html"})
            await client.aclose()
            return server.requests[0]

    method, target, headers, _ = run(scenario)
    assert (method, target) == ("GET", "/f?sku=1")
    assert "accept-encoding" not in headers
    assert headers["host"].startswith("127.0.0.1:")


def test_past_its_cap_of_requests_in_flight_an_origin_refuses_at_once():
    async def scenario():
        gate = asyncio.Event()
        async with serve({"/slow": Reply(body=b"x", gate=gate)}) as server:
            client = Client()
            url = server.url + "/slow"
            first = asyncio.create_task(client.get(url, {}, max_in_flight=2))
            second = asyncio.create_task(client.get(url, {}, max_in_flight=2))
            for _ in range(2000):  # until both are being answered (an event, not a timing)
                if server.in_flight == 2:
                    break
                await asyncio.sleep(0.001)
            with pytest.raises(Overloaded):
                await client.get(url, {}, max_in_flight=2)
            unbounded = asyncio.create_task(client.get(url, {}))  # no cap: it may go ahead
            gate.set()
            bodies = [(await task).body for task in (first, second, unbounded)]
            after = await client.get(url, {}, max_in_flight=2)  # room again
            await client.aclose()
            return bodies, after.body

    bodies, after = run(scenario)
    assert bodies == [b"x"] * 3 and after == b"x"
