"""A service for the tests of several workers (test_workers.py): it answers each request with
the id of the process that served it (`/slow` after `SLOW_SECONDS`), prints a line when asked
to drain, and shows its metrics to the token `TOKEN`."""

import asyncio
import os

from tessera.runtime.asgi import Receive, Scope, Send, ServiceApp, send_response

TOKEN = "workers-test-token"
SLOW_SECONDS = 8.0


async def pid(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["path"] == "/slow":
        await asyncio.sleep(SLOW_SECONDS)
    await send_response(send, 200, str(os.getpid()).encode())


async def drained() -> None:
    print(f"draining {os.getpid()}", flush=True)


app = ServiceApp(pid, service="pid", on_drain=[drained], metrics_token=TOKEN)
