"""A tiny service for the combined-log tests: each request makes it print a line of each
kind a real service prints (see tessera/runtime/jsonlog.py and access.py)."""

import json
import os

from tessera.runtime.asgi import ServiceApp, send_response

REQUEST_ID = "0123456789abcdef0123456789abcdef"


async def _chatty(scope, receive, send):
    service = os.environ.get("TESSERA_SERVICE", "")
    own = {"ts": "2026-11-30T17:50:01.123Z", "level": "warning", "logger": "app"}
    print(json.dumps({**own, "msg": "a warning", "service": service, "request_id": REQUEST_ID}))
    print("Traceback (most recent call last): not JSON")
    access = {"logger": "tessera.access", "msg": "GET hello 200", "request_id": REQUEST_ID}
    print(json.dumps(access), flush=True)  # no "service": the supervisor adds it
    await send_response(send, 200, b"said it")


chatty = ServiceApp(_chatty, service="chatty")
