import asyncio
import json

import pytest

from tessera.runtime import metrics
from tessera.runtime.asgi import ServiceApp, send_response
from tessera.runtime.tracing import SCOPE_KEY, current
from tests.prometheus import samples


def _collect():
    sent = []

    async def send(message):
        sent.append(message)

    return sent, send


def _messages(*messages):
    queue = list(messages)

    async def receive():
        return queue.pop(0)

    return receive


def test_healthz_answers_without_reaching_the_app():
    reached = []

    async def app(scope, receive, send):
        reached.append(scope["path"])

    service = ServiceApp(app, service="hero", version="1.2", health=lambda: {"registered": True})
    sent, send = _collect()
    asyncio.run(service({"type": "http", "path": "/healthz", "headers": []}, _messages(), send))
    assert reached == []
    assert sent[0]["status"] == 200
    assert json.loads(sent[1]["body"]) == {
        "status": "ok",
        "service": "hero",
        "version": "1.2",
        "registered": True,
    }


PARENT = b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _ids_seen(service, headers):
    seen = []

    async def app(scope, receive, send):
        hop = current.get()
        assert scope[SCOPE_KEY] is hop  # the same hop for apps that read the scope
        seen.append((hop.request_id, hop.trace_id, hop.parent_span_id, hop.span_id))
        await send_response(send, 204, b"")

    service.app = app
    scope = {"type": "http", "method": "GET", "path": "/", "headers": headers}
    asyncio.run(service(scope, _messages(), _collect()[1]))
    assert current.get() is None  # only while the request is served
    return seen[0]


def test_requests_run_with_the_callers_request_and_trace_ids():
    headers = [(b"x-request-id", b"req-12345"), (b"traceparent", PARENT)]
    service = ServiceApp(None, service="x", trust_request_id=True)
    request_id, trace_id, parent, span = _ids_seen(service, headers)
    assert (request_id, trace_id, parent) == (
        "req-12345",
        "4bf92f3577b34da6a3ce929d0e0e4736",
        "00f067aa0ba902b7",
    )
    assert len(span) == 16 and span != parent


def test_an_untrusting_service_makes_its_own_request_id_but_continues_the_trace():
    headers = [(b"x-request-id", b"req-12345"), (b"traceparent", PARENT)]
    service = ServiceApp(None, service="shell")  # trusting no caller unless told to
    request_id, trace_id, parent, _ = _ids_seen(service, headers)
    assert request_id != "req-12345" and len(request_id) == 32
    assert trace_id == "4bf92f3577b34da6a3ce929d0e0e4736" and parent == "00f067aa0ba902b7"


def test_a_request_without_ids_starts_a_trace():
    request_id, trace_id, parent, span = _ids_seen(ServiceApp(None, service="x"), [])
    assert len(request_id) == 32 and len(trace_id) == 32 and len(span) == 16
    assert parent == ""


def _scrape(service, authorization=None):
    headers = [] if authorization is None else [(b"authorization", authorization)]
    sent, send = _collect()
    scope = {"type": "http", "method": "GET", "path": "/metrics", "headers": headers}
    asyncio.run(service(scope, _messages(), send))
    return sent[0]["status"], sent[1]["body"].decode()


def test_metrics_need_the_token_and_count_the_requests_served():
    async def app(scope, receive, send):
        current.get().route = "api/v1/things/<id>"
        await send_response(send, 201, b"made")

    service = ServiceApp(app, service="x", metrics_token="m-token")
    scope = {"type": "http", "method": "POST", "path": "/api/v1/things/7", "headers": []}

    def served() -> float:
        status, body = _scrape(service, b"Bearer m-token")
        assert status == 200
        key = 'tessera_http_requests_total{method="POST",route="api/v1/things/<id>",status="201"}'
        return samples(body).get(key, 0.0)

    before = served()
    asyncio.run(service(scope, _messages(), _collect()[1]))
    asyncio.run(service(scope, _messages(), _collect()[1]))
    assert served() == before + 2
    assert (
        'tessera_http_request_duration_seconds_count{route="api/v1/things/<id>"}'
        in (_scrape(service, b"Bearer m-token")[1])
    )
    assert "process_resident_memory_bytes" in _scrape(service, b"Bearer m-token")[1]
    assert _scrape(service)[0] == 401
    assert _scrape(service, b"Bearer wrong")[0] == 401
    assert _scrape(service, b"Bearer m-token\xff")[0] == 401
    assert _scrape(ServiceApp(app, service="x"), b"Bearer ")[0] == 401  # no token: no one


def test_a_request_is_logged_as_its_span_with_status_and_duration(capsys):
    async def app(scope, receive, send):
        current.get().detail = 'header;dur=1.0;desc="ok hit"'
        await send_response(send, 404, b"no")

    service = ServiceApp(app, service="x", trust_request_id=True)
    scope = {
        "type": "http",
        "method": "GET",
        "path": '/nothing/"quoted"\n/é\x9b\u202e',
        "headers": [(b"traceparent", PARENT), (b"x-request-id", b"req-12345")],
    }
    asyncio.run(service(scope, _messages(), _collect()[1]))
    assert capsys.readouterr().out == ""  # written with the lines of later requests
    service.access.flush()
    written = capsys.readouterr().out
    assert written.isascii()  # a client's control or bidi characters reach no terminal raw
    (line,) = [json.loads(text) for text in written.splitlines()]
    assert line["logger"] == "tessera.access" and line["service"] == "x"
    assert (line["status"], line["method"], line["path"], line["route"]) == (
        404,
        "GET",
        '/nothing/"quoted"\n/é\x9b\u202e',
        "(unmatched)",
    )
    assert line["request_id"] == "req-12345"
    assert line["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert line["parent_span_id"] == "00f067aa0ba902b7" and len(line["span_id"]) == 16
    assert line["detail"] == 'header;dur=1.0;desc="ok hit"'
    assert line["duration_ms"] >= 0 and line["start"] > 1.7e9 and line["ts"].endswith("Z")
    assert metrics.requests.requests[("(unmatched)", "GET", 404)] >= 1


def test_an_app_that_fails_is_counted_as_a_500(capsys):
    async def app(scope, receive, send):
        raise RuntimeError("broken")

    service = ServiceApp(app, service="x")
    scope = {"type": "http", "method": "GET", "path": "/", "headers": []}
    before = metrics.requests.requests.get(("(unmatched)", "GET", 500), 0)
    with pytest.raises(RuntimeError):
        asyncio.run(service(scope, _messages(), _collect()[1]))
    assert metrics.requests.requests[("(unmatched)", "GET", 500)] == before + 1
    service.access.flush()
    assert json.loads(capsys.readouterr().out)["status"] == 500


def test_lifespan_runs_startup_hooks_in_order_and_shutdown_hooks_in_reverse():
    calls = []

    def hook(name):
        async def run():
            calls.append(name)

        return run

    service = ServiceApp(
        None, service="x", on_startup=[hook("a"), hook("b")], on_shutdown=[hook("c"), hook("d")]
    )
    sent, send = _collect()
    receive = _messages({"type": "lifespan.startup"}, {"type": "lifespan.shutdown"})
    asyncio.run(service({"type": "lifespan"}, receive, send))
    assert calls == ["a", "b", "d", "c"]
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_a_failing_startup_hook_fails_startup_with_its_message():
    async def broken():
        raise RuntimeError("registry token missing")

    service = ServiceApp(None, service="x", on_startup=[broken])
    sent, send = _collect()
    asyncio.run(service({"type": "lifespan"}, _messages({"type": "lifespan.startup"}), send))
    assert sent == [{"type": "lifespan.startup.failed", "message": "registry token missing"}]


def test_several_cookie_lines_reach_the_app_as_one_list_of_cookies():
    seen = []

    async def app(scope, receive, send):
        seen.append([value for key, value in scope["headers"] if key == b"cookie"])

    service = ServiceApp(app, service="shell")
    headers = [(b"cookie", b"a=1"), (b"host", b"h"), (b"cookie", b"csrftoken=x; b=2")]
    scope = {"type": "http", "method": "GET", "path": "/bff/cart/items", "headers": headers}
    asyncio.run(service(scope, _messages(), _collect()[1]))
    asyncio.run(service({**scope, "headers": headers[:2]}, _messages(), _collect()[1]))
    assert seen == [[b"a=1; csrftoken=x; b=2"], [b"a=1"]]


@pytest.fixture
def no_content(monkeypatch):
    """A service answering 204 whose access lines are written as soon as its loop can, and
    the scope of a request to it."""
    monkeypatch.setattr("tessera.runtime.access.FLUSH_AFTER", 0.0)

    async def app(scope, receive, send):
        await send_response(send, 204, b"")

    return ServiceApp(app, service="x"), {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [],
    }


def test_access_lines_go_out_together_soon_after_the_first(capsys, no_content):
    service, scope = no_content

    async def three_requests():
        for _ in range(3):
            await service(scope, _messages(), _collect()[1])
        assert capsys.readouterr().out == ""
        await asyncio.sleep(0.01)  # the loop runs the flush it was given
        return capsys.readouterr().out

    written = asyncio.run(three_requests())
    assert [json.loads(line)["status"] for line in written.splitlines()] == [204, 204, 204]


def test_a_request_the_app_ends_without_an_answer_is_counted_as_the_client_leaving(capsys):
    async def app(scope, receive, send):
        return  # as Django and the shell's pages do when the client has gone

    service = ServiceApp(app, service="x")
    scope = {"type": "http", "method": "GET", "path": "/", "headers": []}
    before = metrics.requests.requests.get(("(unmatched)", "GET", 499), 0)
    asyncio.run(service(scope, _messages(), _collect()[1]))
    assert metrics.requests.requests[("(unmatched)", "GET", 499)] == before + 1


def test_lines_left_by_a_loop_that_ended_go_out_with_the_next_loops(capsys, no_content):
    service, scope = no_content
    asyncio.run(service(scope, _messages(), _collect()[1]))  # its loop ends before any flush

    async def later():
        await service(scope, _messages(), _collect()[1])
        await asyncio.sleep(0.01)

    asyncio.run(later())
    assert len(capsys.readouterr().out.splitlines()) == 2
