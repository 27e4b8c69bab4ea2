"""Connection limits of every service (tessera.runtime.bounded and .limits): a real service
process under `python -m tessera.runtime.serve`, driven over real sockets on loopback, with short
deadlines from the environment."""

from __future__ import annotations

import contextlib
import os
import re
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tessera.runtime.env import REPO_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

#: How long a test waits on a socket before failing: well past every deadline set here.
PATIENCE = 5.0


@dataclass
class Service:
    port: int
    pid: int

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=PATIENCE)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def rss(self) -> int:
        status = Path(f"/proc/{self.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_service(**limits: str) -> Iterator[Service]:
    """The echo service under `python -m tessera.runtime.serve`, with `limits` as TESSERA_*
    variables."""
    port = free_port()
    env = {**os.environ, **{f"TESSERA_{name.upper()}": value for name, value in limits.items()}}
    command = ["-m", "tessera.runtime.serve", "tests.runtime.echo_service:app", "--port", str(port)]
    process = subprocess.Popen(
        [sys.executable, *command, "--drain", "0"],
        cwd=REPO_ROOT,
        env=env,
    )
    try:
        service = Service(port, process.pid)
        for _ in range(150):
            with contextlib.suppress(OSError), contextlib.closing(service.connect()) as sock:
                # The service closes this connection itself: gone before the test's own.
                if exchange(sock, get("/healthz", "Connection: close")).startswith(b"HTTP/1.1 200"):
                    break
            time.sleep(0.1)
        else:
            pytest.fail("the service did not start")
        yield service
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture(scope="module")
def service() -> Iterator[Service]:
    with running_service(
        head_timeout="1", body_timeout="1", keep_alive="1", max_body_bytes=str(1 << 20)
    ) as s:
        yield s


@pytest.fixture(scope="module")
def patient_service() -> Iterator[Service]:
    """A service keeping idle connections far longer than it waits for a head."""
    with running_service(head_timeout="1", keep_alive="30") as s:
        yield s


def get(path: str, *headers: str) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: test", *headers, "", ""]
    return "\r\n".join(lines).encode()


def exchange(sock: socket.socket, request: bytes) -> bytes:
    """Send `request` and read one response (the echo service always sends a length)."""
    sock.sendall(request)
    response = b""
    while b"\r\n\r\n" not in response:
        response += receive(sock)
    head, _, body = response.partition(b"\r\n\r\n")
    length = int(re.search(rb"content-length: (\d+)", head, re.IGNORECASE).group(1))
    while len(body) < length:
        body += receive(sock)
    return head + b"\r\n\r\n" + body


def receive(sock: socket.socket) -> bytes:
    data = sock.recv(65536)
    assert data, "closed before a whole response"
    return data


def until_closed(sock: socket.socket) -> bytes:
    """All the service still sends until it closes the connection."""
    received = b""
    while data := sock.recv(65536):
        received += data
    return received


def send_ignoring_refusal(sock: socket.socket, data: bytes) -> None:
    """Send what the service may stop reading once it has refused the request."""
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        sock.sendall(data)


# Deadlines


def test_requests_share_a_connection_until_it_is_idle_past_the_keep_alive(service):
    with contextlib.closing(service.connect()) as sock:
        for n in range(3):
            response = exchange(sock, get(f"/page/{n}"))
            assert response.startswith(b"HTTP/1.1 200")
            assert response.endswith(f"GET /page/{n} headers=1 body=0 client=127.0.0.1".encode())
        assert until_closed(sock) == b""  # closed after 1 s idle, uvicorn's default is 5


def test_a_connection_that_never_sends_is_closed_without_an_answer(service):
    with contextlib.closing(service.connect()) as sock:
        assert until_closed(sock) == b""


def test_a_head_trickled_byte_by_byte_gets_408_and_is_closed(service):
    with contextlib.closing(service.connect()) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: test\r\nX-Slow: ")
        for _ in range(50):  # one byte every 0.1 s, until the service answers
            if select.select([sock], [], [], 0.1)[0]:
                break
            sock.sendall(b"a")
        response = until_closed(sock)
    assert response.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert b"\r\nconnection: close\r\n" in response


def test_a_later_head_on_a_kept_alive_connection_has_its_own_deadline(patient_service):
    with contextlib.closing(patient_service.connect()) as sock:
        assert exchange(sock, get("/")).startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /second HTTP/1.1\r\nHost: te")  # and nothing more
        response = until_closed(sock)  # not 30 s after the first request
    assert response.startswith(b"HTTP/1.1 408 Request Timeout\r\n")


# Sizes


def test_too_many_headers_get_431_and_the_connection_is_closed(service):
    headers = [f"X-Header-{n}: {n}" for n in range(200)]
    with contextlib.closing(service.connect()) as sock:
        sock.sendall(get("/", *headers))
        response = until_closed(sock)
    assert response.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert b"\r\nconnection: close\r\n" in response
    assert response.endswith(b"\r\n\r\nRequest Header Fields Too Large\n")


def test_a_64_kib_header_gets_431_and_the_service_serves_on(service):
    with contextlib.closing(service.connect()) as sock:
        send_ignoring_refusal(sock, get("/", "Cookie: " + "c" * 64 * 1024))
        response = until_closed(sock)
    assert response.startswith(b"HTTP/1.1 431 ")
    with contextlib.closing(service.connect()) as sock:
        assert exchange(sock, get("/after")).startswith(b"HTTP/1.1 200")


def test_unfinished_huge_heads_are_refused_before_they_grow_the_process(service):
    before = service.rss()
    sockets = [service.connect() for _ in range(8)]
    try:
        for sock in sockets:  # 8 heads of 6 MiB, their last line never ended
            send_ignoring_refusal(sock, b"GET / HTTP/1.1\r\nHost: test\r\nX-Big: ")
            for _ in range(96):
                send_ignoring_refusal(sock, b"x" * 65536)
        grown = service.rss() - before
        answers = [until_closed(sock) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
    assert grown < 16 * 1024 * 1024  # the heads alone are 48 MiB
    assert all(answer.startswith(b"HTTP/1.1 431 ") for answer in answers)


def test_a_body_arriving_with_its_head_does_not_count_as_head(service):
    body = b"b" * 256 * 1024  # far beyond the head limit, within the body limit
    head = b"POST /form HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n" % len(body)
    with contextlib.closing(service.connect()) as sock:
        response = exchange(sock, head + body)  # one write: the service reads them together
    assert response.startswith(b"HTTP/1.1 200")
    assert response.endswith(b"POST /form headers=2 body=262144 client=127.0.0.1")


def test_a_declared_body_over_the_limit_gets_413_before_the_app_reads_it(service):
    head = b"POST /form HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n" % (2 << 20)
    with contextlib.closing(service.connect()) as sock:
        sock.sendall(head)
        response = until_closed(sock)
    assert response.startswith(b"HTTP/1.1 413 ")


def test_a_chunked_body_over_the_limit_gets_413(service):
    chunk = b"10000\r\n" + b"b" * 0x10000 + b"\r\n"
    with contextlib.closing(service.connect()) as sock:
        sock.sendall(b"POST /form HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in range(24):  # 1.5 MiB, the limit is 1 MiB
            send_ignoring_refusal(sock, chunk)
        response = until_closed(sock)
    assert response.startswith(b"HTTP/1.1 413 ")


def test_a_body_trickled_past_its_deadline_gets_408_and_is_closed(service):
    # A real process on real time. The trickle goes on until the service answers, bounded
    # only by a failure's patience, and its body would take 1,000 s: on a loaded machine a
    # late answer is still the deadline's (not the end of the trickle or of a fixed number of
    # bytes). The deadline is total, from the connection: head (1 s) and body (1 s) end it
    # at 2 s, never sooner; a per-read one would never end a byte every 0.1 s. Up to 3 times
    # that is the deadline's, late by the load (the server checks every 0.1 s tick).
    started = time.monotonic()  # before the connection: the service's clock starts later
    with contextlib.closing(service.connect()) as sock:
        sock.sendall(b"POST /form HTTP/1.1\r\nHost: test\r\nContent-Length: 10000\r\n\r\n")
        response = b""
        while time.monotonic() - started < 4 * PATIENCE:
            send_ignoring_refusal(sock, b"b")
            if select.select([sock], [], [], 0.1)[0]:
                response = until_closed(sock)
                break
        took = time.monotonic() - started
    assert response.startswith(b"HTTP/1.1 408 ")
    assert 1.9 <= took < 6.0, f"408 after {took:.1f} s"  # 1.9: a clock counting whole ms


def test_a_chunked_bodys_trailers_are_bounded_too(service):
    trailer = b"X-Trailer: " + b"t" * 4000 + b"\r\n"
    with contextlib.closing(service.connect()) as sock:
        sock.sendall(b"POST /form HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n")
        send_ignoring_refusal(sock, b"1\r\nb\r\n0\r\n")
        for _ in range(400):  # 1.6 MB of trailers; body and head limits are 1 MiB + 32 KiB
            send_ignoring_refusal(sock, trailer)
        response = until_closed(sock)
    assert response.startswith(b"HTTP/1.1 413 ")


def test_the_client_address_is_the_peers_unless_a_proxy_is_trusted_to_tell(service):
    spoofed = get("/", "X-Forwarded-For: 203.0.113.9")
    with contextlib.closing(service.connect()) as sock:
        assert exchange(sock, spoofed).endswith(b"client=127.0.0.1")
    with (
        running_service(trusted_proxies="127.0.0.1") as behind_a_proxy,
        contextlib.closing(behind_a_proxy.connect()) as sock,
    ):
        assert exchange(sock, spoofed).endswith(b"client=203.0.113.9")


# Connections


def test_connections_beyond_the_limit_get_503_and_the_service_serves_on():
    with running_service(max_connections="4", keep_alive="30") as service:
        admitted = [service.connect() for _ in range(4)]
        extra = [service.connect() for _ in range(3)]
        try:
            for sock in admitted:
                assert exchange(sock, get("/")).startswith(b"HTTP/1.1 200")
            refused = [until_closed(sock) for sock in extra]
        finally:
            for sock in admitted + extra:
                sock.close()
        assert all(answer.startswith(b"HTTP/1.1 503 Service Unavailable\r\n") for answer in refused)
        for _ in range(50):  # until the service has seen the connections close
            answer = b""
            with contextlib.closing(service.connect()) as sock:
                send_ignoring_refusal(sock, get("/again", "Connection: close"))
                with contextlib.suppress(ConnectionResetError):
                    answer = until_closed(sock)
            if answer.startswith(b"HTTP/1.1 200"):
                break
            time.sleep(0.1)
        assert answer.startswith(b"HTTP/1.1 200")
