"""The response parser fed packet by packet, as the network might deliver it."""

import asyncio
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shell.engine.httpclient import BodyTooLarge, ConnectionClosed, InvalidResponse
from shell.engine.httpclient.protocol import HTTPConnection
from tests.shell.httpclient.hostile import chunked, response


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = b""
        self.closing = False

    def write(self, data: bytes) -> None:
        self.written += data

    def close(self) -> None:
        self.closing = True

    def is_closing(self) -> bool:
        return self.closing


def exchange(packets: list[bytes], *, max_body: int = 1 << 20, eof: bool = False):
    """Feed `packets` to a connection after sending a request; return the result or error."""

    async def run():
        connection = HTTPConnection(max_body)
        transport = FakeTransport()
        connection.connection_made(transport)
        waiter = connection.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        for packet in packets:
            connection.data_received(packet)
        if eof:
            connection.connection_lost(None)
        if not waiter.done():
            return "pending", connection
        try:
            return waiter.result(), connection
        except Exception as exc:
            return exc, connection

    return asyncio.run(run())


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges) if b > a]


BODY = b"<p>" + b"fragment " * 300 + b"</p>"


@settings(max_examples=200, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=40))
def test_content_length_response_parses_the_same_however_it_is_split(cuts):
    result, connection = exchange(split(response(BODY, "Link: </a.css>; rel=stylesheet"), cuts))
    assert result.status == 200 and result.body == BODY
    assert result.headers["link"] == "</a.css>; rel=stylesheet"
    assert connection.reusable


@settings(max_examples=200, deadline=None)
@given(
    chunks=st.lists(st.binary(min_size=1, max_size=300), min_size=1, max_size=8),
    cuts=st.lists(st.integers(min_value=0, max_value=3000), max_size=30),
)
def test_chunked_response_parses_the_same_however_it_is_split(chunks, cuts):
    result, connection = exchange(split(chunked(*chunks), cuts))
    assert result.body == b"".join(chunks)
    assert connection.reusable


def test_headers_split_inside_a_name_and_a_value():
    raw = response(b"ok", "X-Page-Title: Hello")
    at = raw.index(b"Title")
    result, _ = exchange([raw[:at], raw[at : at + 9], raw[at + 9 :]])
    assert result.headers["x-page-title"] == "Hello"


def test_repeated_headers_are_joined_and_names_lower_cased():
    result, _ = exchange(
        [response(b"", "Link: </a.css>; rel=stylesheet", "LINK: </b.js>; rel=script")]
    )
    assert result.headers["link"] == "</a.css>; rel=stylesheet, </b.js>; rel=script"
    assert result.header(b"link") == result.headers["link"]
    assert result.header(b"x-missing") is None


def test_body_delimited_by_close_completes_at_eof_and_is_not_reused():
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>until close</p>"
    result, connection = exchange([raw], eof=True)
    assert result.body == b"<p>until close</p>"
    assert not connection.reusable


def test_truncated_body_is_an_error_that_says_something_arrived():
    raw = response(b"x" * 100)[:-50]
    error, connection = exchange([raw], eof=True)
    assert isinstance(error, ConnectionClosed) and error.received_any
    assert connection.closed


def test_garbage_is_an_invalid_response_and_closes_the_connection():
    error, connection = exchange([b"SSH-2.0-OpenSSH_9.2\r\n\r\n"])
    assert isinstance(error, InvalidResponse)
    assert connection.transport.is_closing()


def test_declared_oversized_body_fails_before_reading_it():
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 10485760\r\n\r\n"
    error, connection = exchange([head], max_body=1024)
    assert isinstance(error, BodyTooLarge)
    assert "10485760" in str(error)
    assert connection.transport.is_closing()


def test_undeclared_oversized_body_stops_at_the_cap():
    raw = chunked(b"x" * 600, b"y" * 600)
    error, connection = exchange([raw], max_body=1000)
    assert isinstance(error, BodyTooLarge)
    assert connection.transport.is_closing()


def test_connection_close_header_makes_the_connection_single_use():
    result, connection = exchange([response(b"bye", "Connection: close")])
    assert result.body == b"bye"
    assert not connection.reusable


def test_unsolicited_bytes_close_an_idle_connection():
    async def run():
        connection = HTTPConnection(1024)
        connection.connection_made(FakeTransport())
        connection.data_received(b"HTTP/1.1 200 OK\r\n")
        return connection

    assert asyncio.run(run()).closed


@pytest.mark.parametrize("status", [204, 304])
def test_bodiless_statuses_complete_without_a_length(status):
    raw = f"HTTP/1.1 {status} X\r\nETag: 1\r\n\r\n".encode()
    result, connection = exchange([raw])
    assert result.status == status and result.body == b""
    assert connection.reusable
