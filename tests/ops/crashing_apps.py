"""A service for restart tests: healthy at start, and it dies when asked (`GET /die`)."""

import os

from tessera.runtime.asgi import ServiceApp, send_response


async def _app(scope, receive, send):
    if scope["path"] == "/die":
        os._exit(3)
    await send_response(send, 200, str(os.getpid()).encode())


mortal = ServiceApp(_app, service="mortal")
