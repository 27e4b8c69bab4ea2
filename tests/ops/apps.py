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


async def _hold_the_drain():
    """Say the drain has begun, then keep it going until the test releases it (bounded), so
    that the test can prove the service serves while draining without racing a timer."""
    drain_file = Path(os.environ["DRAIN_FILE"])
    release = Path(os.environ["RELEASE_FILE"])
    drain_file.write_text("draining")  # noqa: ASYNC240
    for _ in range(1200):  # 60 s at most: a test that never releases still ends
        if release.exists():  # noqa: ASYNC240
            break
        await asyncio.sleep(0.05)
    drain_file.write_text("drained")  # noqa: ASYNC240


held_drainer = ServiceApp(_hello, service="held-drainer", on_drain=[_hold_the_drain])
