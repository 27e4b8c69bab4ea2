"""The request-response cycle (tessera.runtime.cycle): on the wire exactly what uvicorn's own
cycle sends, the head leaving with the first part of the body in one write, and a 500 for a
header that could split a response."""

import asyncio

import pytest
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from tessera.runtime.bounded import BoundedHttpToolsProtocol as Ours
from tests.runtime.fakes import serve as _serve
from tests.runtime.fakes import turns as _turns


def _wire(protocol_class, messages, request=b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"):
    """What reaches the socket, joined, and whether the connection was closed, when an app
    sends `messages` in answer to `request` (or the error the app's send raised)."""

    async def scenario():
        raised = []

        async def app(scope, receive, send):
            try:
                for message in messages:
                    await send(message)
            except RuntimeError as exc:
                raised.append(str(exc))
                raise

        fake = _serve(protocol_class, app, request)
        await _turns()
        data = b"".join(data for kind, data in fake.log if kind == "write")
        return data, fake.closing, raised

    return asyncio.run(scenario())


def start(status=200, headers=()):
    return {"type": "http.response.start", "status": status, "headers": list(headers)}


def body(data=b"", more=False):
    return {"type": "http.response.body", "body": data, "more_body": more}


PAGE_HEADERS = [
    (b"content-type", b"text/html; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"content-security-policy", b"default-src 'self'; script-src 'nonce-abc'"),
    (b"set-cookie", b"a=1; Path=/; HttpOnly"),
    (b"set-cookie", b"b=2; Path=/"),
    (b"server-timing", b'header;dur=0.8;desc="ok"'),
    (b"x-tab", b"a\tb"),
    (b"x-latin", "caf\u00e9".encode("latin-1")),
]


@pytest.mark.parametrize(
    ("messages", "request_head"),
    [
        pytest.param([start(200, PAGE_HEADERS), body(b"<p>a</p>")], b"GET", id="chunked-page"),
        pytest.param(
            [start(200, PAGE_HEADERS), body(b"<p>a", True), body(b"", True), body(b"b</p>")],
            b"GET",
            id="streamed-parts",
        ),
        pytest.param(
            [start(200, [(b"content-length", b"5")]), body(b"hel", True), body(b"lo")],
            b"GET",
            id="content-length",
        ),
        pytest.param(
            [start(200, [(b"transfer-encoding", b"chunked")]), body(b"x", True), body()],
            b"GET",
            id="declared-chunked",
        ),
        pytest.param(
            [start(200, [(b"connection", b"keep-alive, close")]), body(b"bye")],
            b"GET",
            id="app-closes",
        ),
        pytest.param(
            [
                start(200, [(b"transfer-encoding", b"gzip"), (b"transfer-encoding", b"chunked")]),
                body(b"hello"),
            ],
            b"GET",
            id="chunked-in-a-repeated-header",
        ),
        pytest.param(
            [
                start(
                    200,
                    [
                        (b"transfer-encoding", b"gzip"),
                        (b"transfer-encoding", b"chunked"),
                        (b"content-length", b"5"),
                    ],
                ),
                body(b"hello"),
            ],
            b"GET",
            id="chunked-and-a-length",
        ),
        pytest.param(
            [start(200, [(b"connection", b"keep-alive"), (b"connection", b"close")]), body(b"x")],
            b"GET",
            id="close-in-a-repeated-header",
        ),
        pytest.param([start(204), body()], b"GET", id="no-content"),
        pytest.param([start(304, [(b"etag", b'"v1"')]), body()], b"GET", id="not-modified"),
        pytest.param([start(200, PAGE_HEADERS), body(b"")], b"HEAD", id="head"),
        pytest.param(
            [start(200, [(b"content-length", b"3")]), body(b"abc")], b"HEAD", id="head-length"
        ),
        pytest.param([start(404, []), body(b"gone")], b"GET", id="no-headers"),
    ],
)
def test_the_wire_is_uvicorns(messages, request_head):
    request = request_head + b" / HTTP/1.1\r\nHost: t\r\n\r\n"
    ours = _wire(Ours, messages, request)
    assert ours == _wire(HttpToolsProtocol, messages, request)
    assert ours[0].startswith(b"HTTP/1.1 ")


def test_an_http_1_0_client_gets_connection_close_as_from_uvicorn():
    messages = [start(200, [(b"content-length", b"2")]), body(b"ok")]
    request = b"GET / HTTP/1.0\r\nHost: t\r\n\r\n"
    data, closed, _ = _wire(Ours, messages, request)
    assert b"\r\nconnection: close\r\n" in data and closed
    assert (data, closed) == _wire(HttpToolsProtocol, messages, request)[:2]


def test_header_names_keep_the_apps_case():
    data, _, _ = _wire(Ours, [start(200, [(b"X-Frame", b"DENY")]), body()])
    assert b"\r\nX-Frame: DENY\r\n" in data


@pytest.mark.parametrize(
    "header",
    [
        (b"x-split", b"a\r\nset-cookie: evil=1"),  # response splitting through a value
        (b"x-lf", b"a\nb"),
        (b"x-cr", b"a\rb"),
        (b"x-nul", b"a\x00b"),
        (b"x-del", b"a\x7fb"),
        (b"x bad", b"v"),  # a name that is not a token
        (b"x:bad", b"v"),
        (b"x-\x01", b"v"),
    ],
)
def test_a_header_that_could_split_the_response_is_refused_with_a_500(header):
    messages = [start(200, [(b"content-type", b"text/plain"), header]), body(b"x")]
    data, _, raised = _wire(Ours, messages)
    assert raised == ["Invalid HTTP header name or value."]
    assert data.startswith(b"HTTP/1.1 500 ")  # nothing was sent: the server answers 500
    assert b"evil" not in data and b"x-split" not in data and b"bad" not in data
    # uvicorn refuses it too, but then drops the connection without an answer.
    assert _wire(HttpToolsProtocol, messages)[:2] == (b"", True)


def test_a_body_longer_or_shorter_than_declared_is_an_error_as_in_uvicorn():
    longer = [start(200, [(b"content-length", b"2")]), body(b"abc")]
    shorter = [start(200, [(b"content-length", b"5")]), body(b"abc")]
    assert _wire(Ours, longer)[2] == ["Response content longer than Content-Length"]
    assert _wire(Ours, shorter)[2] == ["Response content shorter than Content-Length"]


def test_a_message_after_the_response_is_an_error_as_in_uvicorn():
    messages = [start(200, [(b"content-length", b"2")]), body(b"ok"), body(b"more")]
    ours = _wire(Ours, messages)
    assert ours[2] == [
        "Unexpected ASGI message 'http.response.body' sent, after response already completed."
    ]
    assert ours == _wire(HttpToolsProtocol, messages)


def test_the_head_leaves_with_the_body_in_one_write():
    async def scenario(protocol_class):
        async def app(scope, receive, send):
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"<p>page</p>"})

        fake = _serve(protocol_class, app)
        await _turns()
        return fake.log

    ours = asyncio.run(scenario(Ours))
    assert len(ours) == 1
    assert ours[0][1].startswith(b"HTTP/1.1 200 OK\r\n")
    assert ours[0][1].endswith(b"<p>page</p>\r\n0\r\n\r\n")
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

        fake = _serve(Ours, app)
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


def test_a_head_is_held_only_until_the_first_part_of_the_body():
    """The head alone is not written; an empty part with more to come sends it."""

    async def scenario():
        step = asyncio.Event()

        async def app(scope, receive, send):
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await step.wait()
            await send({"type": "http.response.body", "body": b"", "more_body": True})
            await asyncio.Event().wait()  # never answers more

        fake = _serve(Ours, app)
        await _turns()
        held = list(fake.log)
        step.set()
        await _turns()
        return held, list(fake.log)  # before asyncio.run cancels the app and closes

    held, log = asyncio.run(scenario())
    assert held == []
    assert len(log) == 1 and log[0][1].startswith(b"HTTP/1.1 200 OK\r\n")
    assert log[0][1].endswith(b"\r\n\r\n")  # the head, and no chunk yet


@pytest.mark.parametrize(
    "target",
    [b"/a%20b/c?x=1&y=%2F", b"/p?q#frag", b"http://shop.example/abs/path?k=v", b"/"],
)
def test_the_scope_is_uvicorns(target):
    """Path, raw path, query and the rest as uvicorn's own protocol gives them."""

    async def scenario(protocol_class):
        seen = []

        async def app(scope, receive, send):
            seen.append({k: v for k, v in scope.items() if k != "state"})
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        _serve(protocol_class, app, b"GET " + target + b" HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n\r\n")
        await _turns()
        return seen

    ours = asyncio.run(scenario(Ours))
    assert len(ours) == 1 and ours == asyncio.run(scenario(HttpToolsProtocol))
