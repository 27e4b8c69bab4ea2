"""Fault injection in front of a backend stub, with a fake clock and a fake dice.

Waits that end early (the caller leaves, the process stops) run on `tests.virtualtime`'s
clock: an hour's hang costs no real time, and each ending's moment is exact.
"""

import asyncio
import json

import pytest
from backends.kit.faults import HANG_SECONDS, Fault, FaultInjector, StopNotice, parse_faults

from tessera.runtime.asgi import send_response
from tests.virtualtime import run


async def ok_app(scope, receive, send):
    await send_response(send, 200, b"ok")


async def echo_app(scope, receive, send):
    """Answers with the request's whole body."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send_response(send, 200, body)


async def never():
    await asyncio.Future()


def call(app, method="GET", path="/products", body=b"", token=None):
    scope = {"type": "http", "method": method, "path": path, "headers": []}
    if token:
        scope["headers"] = [(b"authorization", f"Bearer {token}".encode())]
    sent = []
    messages = [{"type": "http.request", "body": body}]

    async def receive():
        if messages:
            return messages.pop()
        await never()  # the caller stays connected

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], sent[1]["body"]


def injector(faults=None, dice=0.5):
    slept = []

    async def sleep(seconds):
        slept.append(seconds)

    app = FaultInjector(
        ok_app, token="t", faults=faults, rng=lambda: dice, sleep=sleep, stopping=never
    )
    return app, slept


def test_delay_error_and_hang_apply_by_longest_prefix():
    faults = {"/": Fault(delay_ms=100), "/products/slow": Fault(hang=True, delay_ms=5)}
    app, slept = injector(faults)
    assert call(app, path="/categories") == (200, b"ok")
    assert call(app, path="/products/slow/1") == (200, b"ok")
    assert slept == [0.1, HANG_SECONDS, 0.005]
    failing, _ = injector({"/": Fault(error_rate=0.6)}, dice=0.5)
    assert call(failing)[0] == 503
    lucky, _ = injector({"/": Fault(error_rate=0.4)}, dice=0.5)
    assert call(lucky)[0] == 200


def test_faults_change_at_run_time_only_with_the_token():
    app, _ = injector()
    change = json.dumps({"/products": {"error_rate": 1}}).encode()
    assert call(app, "PUT", "/_faults", change)[0] == 401
    assert call(app, "PUT", "/_faults", change, token="wrong")[0] == 401
    assert call(app, "PUT", "/_faults", change, token="t")[0] == 200
    assert call(app)[0] == 503
    assert json.loads(call(app, path="/_faults")[1]) == {
        "/products": {"delay_ms": 0, "error_rate": 1.0, "hang": False}
    }
    assert call(app, "DELETE", "/_faults", token="t")[0] == 200
    assert call(app)[0] == 200


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ("[" * 100_000, "nested too deeply"),
        ('{"/a":' * 2000 + "1" + "}" * 2000, "nested too deeply"),
        ("[]", "must be a JSON object"),
        ('{"products": {}}', "must start with '/'"),
        ('{"/p": {"delay_ms": -1}}', "delay_ms must be an integer"),
        ('{"/p": {"error_rate": 2}}', "error_rate must be a number from 0 to 1"),
        ('{"/p": {"hang": "yes"}}', "hang must be true or false"),
        ('{"/p": {"latency": 1}}', "expected an object with delay_ms"),
    ],
)
def test_bad_fault_settings_are_refused_with_a_message_and_change_nothing(text, message):
    with pytest.raises(ValueError, match=message):
        parse_faults(text)
    app, _ = injector({"/": Fault(delay_ms=1)})
    status, body = call(app, "PUT", "/_faults", text.encode(), token="t")
    assert status == 422 and message in json.loads(body)["detail"]
    assert app.faults == {"/": Fault(delay_ms=1)}


class Caller:
    """One request on the virtual clock: its body chunks arrive at given times, and it
    disconnects at `leaves` (None: it waits for the answer however long it takes)."""

    def __init__(self, path="/products", chunks=((0.0, b""),), leaves=None):
        self.scope = {"type": "http", "method": "GET", "path": path, "headers": []}
        self.chunks = list(chunks)
        self.leaves = leaves
        self.sent = []
        self.ended_at = None

    async def receive(self):
        loop = asyncio.get_running_loop()
        if self.chunks:
            at, body = self.chunks.pop(0)
            await asyncio.sleep(max(0.0, at - loop.time()))
            return {"type": "http.request", "body": body, "more_body": bool(self.chunks)}
        if self.leaves is None:
            await never()
        await asyncio.sleep(max(0.0, self.leaves - loop.time()))
        return {"type": "http.disconnect"}

    async def send(self, message):
        self.sent.append(message)

    async def __call__(self, app):
        await app(self.scope, self.receive, self.send)
        self.ended_at = asyncio.get_running_loop().time()

    @property
    def answer(self):
        return self.sent[0]["status"], b"".join(m.get("body", b"") for m in self.sent[1:])


def stub(app=ok_app, stopping=never, **fault):
    """An injector with `fault` on /products, on the (virtual) clock's own sleep."""
    return FaultInjector(app, token="t", faults={"/products": Fault(**fault)}, stopping=stopping)


@pytest.mark.parametrize("fault", [{"hang": True}, {"delay_ms": 60_000}])
def test_a_hang_or_a_delay_ends_when_its_caller_leaves(fault):
    caller = Caller(leaves=2.0)
    run(caller(stub(**fault)))
    # At the disconnect, with nothing sent and the backend never asked (an answer would be
    # its "ok"); before, the request was held for the whole hour or minute.
    assert caller.ended_at == 2.0 and caller.sent == []


def test_a_delayed_request_still_gets_its_body_read_while_it_waited():
    # (It would leave at 10 s: a body lost while waiting would then end it as an empty one.)
    caller = Caller(chunks=[(0.0, b"first "), (0.05, b"second")], leaves=10.0)
    run(caller(stub(echo_app, delay_ms=100)))
    assert caller.ended_at == 0.1 and caller.answer == (200, b"first second")


def test_a_stop_ends_hangs_with_503_at_once_and_cuts_delays_short():
    stopped = asyncio.Event()

    async def stopping():
        await stopped.wait()

    hung, delayed, late = Caller(), Caller(), Caller()

    async def scenario():
        hang, delay = stub(stopping=stopping, hang=True), stub(stopping=stopping, delay_ms=60_000)
        requests = [asyncio.create_task(hung(hang)), asyncio.create_task(delayed(delay))]
        await asyncio.sleep(3)
        stopped.set()  # SIGTERM or SIGINT
        await asyncio.gather(*requests)
        await late(hang)  # a request that arrives while the process stops

    run(scenario())
    assert hung.ended_at == 3 and hung.answer[0] == 503
    assert b"stopping" in hung.answer[1]
    assert delayed.ended_at == 3 and delayed.answer == (200, b"ok")  # served, not refused
    assert late.ended_at == 3 and late.answer[0] == 503


def test_the_stop_notice_ends_every_wait_now_and_later():
    notice = StopNotice()

    async def scenario():
        waiting = asyncio.create_task(notice.wait())
        await asyncio.sleep(0)
        assert not waiting.done() and not notice.requested
        notice.stop()
        await asyncio.wait_for(waiting, 5)
        await asyncio.wait_for(notice.wait(), 5)  # stopping already: returns at once

    asyncio.run(scenario())
    assert notice.requested
