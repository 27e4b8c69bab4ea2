import asyncio
import json

from tessera.runtime.asgi import ServiceApp, send_response
from tessera.runtime.jsonlog import request_id, trace_id


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


def test_requests_run_with_the_callers_request_and_trace_ids():
    seen = []

    async def app(scope, receive, send):
        seen.append((request_id.get(), trace_id.get()))
        await send_response(send, 204, b"")

    service = ServiceApp(app, service="x")
    scope = {
        "type": "http",
        "path": "/",
        "headers": [
            (b"x-request-id", b"req-1"),
            (b"traceparent", b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        ],
    }
    _, send = _collect()
    asyncio.run(service(scope, _messages(), send))
    assert seen == [("req-1", "4bf92f3577b34da6a3ce929d0e0e4736")]
    assert request_id.get() is None


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
    scope = {"type": "http", "path": "/bff/cart/items", "headers": headers}
    asyncio.run(service(scope, _messages(), _collect()[1]))
    asyncio.run(service({**scope, "headers": headers[:2]}, _messages(), _collect()[1]))
    assert seen == [[b"a=1; csrftoken=x; b=2"], [b"a=1"]]
