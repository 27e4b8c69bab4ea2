"""`python -m tessera.runtime.serve module:app --host H --port P`: run a service with
uvicorn, draining before it stops.

On SIGTERM (what `deploy`, Kubernetes and process managers send) the service first runs its
app's `on_drain` hooks (a fragment deregisters) and keeps serving for `--drain` seconds, so
shells that still hold the old registry snapshot are not refused; then uvicorn stops
accepting, finishes in-flight requests within `--graceful` seconds, and runs the lifespan
shutdown. SIGINT (Ctrl-C of the whole stack) skips the drain; a second signal stops at once.

Every connection is held to `ServerLimits` (`limits.py`, from `TESSERA_HEAD_TIMEOUT`,
`TESSERA_KEEP_ALIVE`, `TESSERA_MAX_HEAD_BYTES`, `TESSERA_MAX_HEADERS`,
`TESSERA_MAX_BODY_BYTES`, `TESSERA_MAX_CONNECTIONS`) by the protocol in `bounded.py`, whose
deadlines the server checks every tick.

With `--workers N` (N > 1) a parent process binds the port and N worker processes serve it,
each as the single process would, with the same drain (see workers.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib
import logging
import logging.config
import os
import resource
import signal
import socket
import sys
from types import FrameType

import uvicorn

from tessera.runtime import workers
from tessera.runtime.bounded import BoundedHttpToolsProtocol, expire_overdue
from tessera.runtime.env import env_list, env_str
from tessera.runtime.jsonlog import logging_config
from tessera.runtime.limits import ServerLimits

logger = logging.getLogger("tessera.runtime.serve")

#: Open files a service needs besides its inbound connections: its own outbound connections
#: (the shell's to fragments), databases, logs.
FILES_RESERVE = 1024


class DrainingServer(uvicorn.Server):
    """uvicorn's server with a drain step on SIGTERM, expiring overdue connections."""

    def __init__(self, config: uvicorn.Config, drain_seconds: float) -> None:
        super().__init__(config)
        self.drain_seconds = drain_seconds
        self._draining = False

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        loop = asyncio.get_event_loop()
        for stop_hook in getattr(self.config.app, "on_stop", ()):
            loop.call_soon_threadsafe(stop_hook)
        hooks = getattr(self.config.app, "on_drain", ())
        if sig != signal.SIGTERM or self._draining or self.should_exit or not hooks:
            super().handle_exit(sig, frame)
            return
        self._draining = True
        loop.call_soon_threadsafe(lambda: loop.create_task(self._drain(hooks)))

    async def on_tick(self, counter: int) -> bool:
        expire_overdue(self.server_state.connections, asyncio.get_running_loop().time())
        return await super().on_tick(counter)

    async def _drain(self, hooks) -> None:
        logger.info("draining", extra={"seconds": self.drain_seconds})
        for hook in hooks:
            try:
                await hook()
            except Exception:  # a failed hook must not keep the process alive
                logger.exception("drain hook failed")
        await asyncio.sleep(self.drain_seconds)
        self.should_exit = True


def allow_open_files(connections: int) -> None:
    """Raise the soft limit on open files to fit `connections` and `FILES_RESERVE`, as far
    as the hard limit allows: the usual soft limit (1024, or 256 on macOS) would refuse
    connections below the connection limit, with errors instead of a 503."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + FILES_RESERVE
    if soft != resource.RLIM_INFINITY and soft < wanted:
        granted = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (granted, hard))
        if granted < wanted:
            logger.warning("open files limited", extra={"limit": granted, "wanted": wanted})


def workers_option(raw: str) -> int:
    """`--workers`: a positive integer or `auto` (workers.parse_count)."""
    try:
        return workers.parse_count(raw)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("app", help="module:attribute of the ASGI application")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--drain", type=float, default=2.0, help="seconds (default 2)")
    parser.add_argument("--graceful", type=float, default=10.0, help="seconds (default 10)")
    parser.add_argument(
        "--workers",
        type=workers_option,
        default=1,
        help="processes serving the port: a positive integer or 'auto', one per core "
        "(default 1: this process serves it; see tessera.runtime.workers)",
    )
    args = parser.parse_args(argv)
    limits = ServerLimits.from_env()
    allow_open_files(limits.max_connections)
    if args.workers == 1:
        serve(args, limits)
        return
    logging.config.dictConfig(
        logging_config(
            os.environ.get("TESSERA_SERVICE", args.app), env_str("TESSERA_LOG_LEVEL", "INFO")
        )
    )
    code = workers.run(args.workers, args.host, args.port, lambda sock: serve(args, limits, sock))
    sys.exit(code)


def serve(
    args: argparse.Namespace, limits: ServerLimits, sock: socket.socket | None = None
) -> None:
    """Import and serve the app `args` name until it is stopped: on its own address, or on
    `sock` when one of several workers (workers.py)."""
    trusted_proxies = env_list("TESSERA_TRUSTED_PROXIES", [])
    module, _, attribute = args.app.partition(":")
    app = getattr(importlib.import_module(module), attribute)
    # What is loaded by now lives as long as the process: keep it out of the collector's
    # full passes, which otherwise stop every request in flight (35 ms measured here).
    gc.collect()
    gc.freeze()
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        lifespan="on",
        # A response's head and first body part in one write (tessera.runtime.cycle), and the
        # limits, with their own keep-alive deadline. uvicorn's limit_concurrency is not
        # applied (bounded.py makes the cycle itself): it answers 503 to requests, not
        # connections, once the connections reach it, and its other count, requests in
        # progress, cannot exceed the connections.
        http=BoundedHttpToolsProtocol.with_limits(limits),
        ws="none",  # no service speaks WebSocket: an upgrade is an ordinary request
        # The client's address is the peer's, unless the peer is a proxy trusted to say whose
        # it is (X-Forwarded-For): otherwise any client could choose the address that, for
        # one, the admin's login lockout counts failures by.
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=trusted_proxies or None,
        access_log=False,
        server_header=False,  # no "server: uvicorn" banner: one header less on every response
        log_level="warning",
        timeout_graceful_shutdown=int(args.graceful),
    )
    # uvicorn re-raises SIGINT once it has shut down gracefully: that is the normal end.
    with contextlib.suppress(KeyboardInterrupt):
        DrainingServer(config, args.drain).run(sockets=None if sock is None else [sock])


if __name__ == "__main__":
    main()
