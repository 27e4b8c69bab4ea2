"""A service answering at once, for counting what the server and the service envelope cost
per request (`python -m bench.instructions --server`).

`python -m bench.standin N PORT` serves a stand-in app, in `ServiceApp` (ids, access line,
metrics) under the server every service runs (`tessera.runtime.serve`: uvicorn with the
bounded protocol and its cycle), answering every request with the standard page's size and
header count (24 KB, eleven headers), and exits after N requests. `drive` sends them over
keep-alive connections, as wrk would.
"""

from __future__ import annotations

import asyncio
import logging.config
import os
import socket
import sys
import threading

import uvicorn

from tessera.runtime.access import FLUSH_AFTER
from tessera.runtime.asgi import ServiceApp
from tessera.runtime.bounded import BoundedHttpToolsProtocol
from tessera.runtime.jsonlog import logging_config
from tessera.runtime.limits import ServerLimits
from tessera.runtime.serve import DrainingServer

BODY = b"x" * 24 * 1024
HEADERS = [
    (b"content-type", b"text/html; charset=utf-8"),
    (b"content-length", str(len(BODY)).encode()),
    *((b"x-stand-in-%d" % n, b"v" * 40) for n in range(9)),
]
REQUEST = b"GET /standin/SKU-1 HTTP/1.1\r\nHost: bench\r\nUser-Agent: bench\r\n\r\n"


def standin(limit: int):
    """The stand-in app: the page's answer, and the process's end after `limit` of them."""
    answered = 0

    async def app(scope, receive, send) -> None:
        nonlocal answered
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        await send({"type": "http.response.body", "body": BODY})
        answered += 1
        if answered == limit:  # once the last response and access lines have left
            asyncio.get_running_loop().call_later(FLUSH_AFTER + 0.3, os._exit, 0)

    return app


def drive(port: int, total: int, connections: int = 8) -> None:
    """Send `total` requests over `connections` keep-alive connections, each waiting for its
    whole response before the next request."""
    left = [total]
    lock = threading.Lock()

    def client() -> None:
        with socket.create_connection(("127.0.0.1", port)) as sock:
            buffer = b""
            while True:
                with lock:
                    if left[0] == 0:
                        return
                    left[0] -= 1
                sock.sendall(REQUEST)
                while b"\r\n\r\n" not in buffer:
                    buffer += sock.recv(65536)
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                while len(buffer) < length:
                    buffer += sock.recv(65536)
                buffer = buffer[length:]

    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> None:
    limit, port = int(sys.argv[1]), int(sys.argv[2])
    logging.config.dictConfig(logging_config("standin", "INFO"))  # access lines on, as served
    config = uvicorn.Config(
        ServiceApp(standin(limit), service="standin"),
        host="127.0.0.1",
        port=port,
        lifespan="off",
        http=BoundedHttpToolsProtocol.with_limits(ServerLimits()),
        ws="none",
        proxy_headers=False,
        access_log=False,
        server_header=False,
        log_level="warning",
    )
    DrainingServer(config, 0).run()


if __name__ == "__main__":
    main()
