"""Fault injection in front of a backend stub, with a fake clock and a fake dice."""

import asyncio
import json

import pytest
from backends.kit.faults import HANG_SECONDS, Fault, FaultInjector, parse_faults

from tessera.runtime.asgi import send_response


async def ok_app(scope, receive, send):
    await send_response(send, 200, b"ok")


def call(app, method="GET", path="/products", body=b"", token=None):
    scope = {"type": "http", "method": method, "path": path, "headers": []}
    if token:
        scope["headers"] = [(b"authorization", f"Bearer {token}".encode())]
    sent = []

    async def receive():
        return {"type": "http.request", "body": body}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], sent[1]["body"]


def injector(faults=None, dice=0.5):
    slept = []

    async def sleep(seconds):
        slept.append(seconds)

    app = FaultInjector(ok_app, token="t", faults=faults, rng=lambda: dice, sleep=sleep)
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
