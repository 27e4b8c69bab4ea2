"""Tiny ASGI services for supervisor tests, started by uvicorn like real services."""

import asyncio
import os
import subprocess
from pathlib import Path

from tessera.runtime.asgi import ServiceApp, send_response


async def _hello(scope, receive, send):
    print(f"hello from {os.environ.get('TESSERA_SERVICE')}", flush=True)
    await send_response(send, 200, b"hello")


hello = ServiceApp(_hello, service="hello")


async def _spawn_grandchild():
    # A service that starts a helper process of its own; stopping the service must stop it.
    child = subprocess.Popen(["sleep", "600"])  # noqa: ASYNC220 - a test double
    Path(os.environ["GRANDCHILD_PID_FILE"]).write_text(str(child.pid))  # noqa: ASYNC240


spawner = ServiceApp(_hello, service="spawner", on_startup=[_spawn_grandchild])


async def _never_healthy(scope, receive, send):
    await asyncio.sleep(3600)


async def _record_drain():
    Path(os.environ["DRAIN_FILE"]).write_text("drained")  # noqa: ASYNC240


drainer = ServiceApp(_hello, service="drainer", on_drain=[_record_drain])
