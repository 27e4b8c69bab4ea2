"""Fixtures shared by the integration and end-to-end tests: a whole stack, started for real.

The stack is started through the same `Supervisor` that `manage.py up` uses, on ports chosen
free at run time and with its own data directory, so tests never touch a developer's stack;
as under `up`, tests start once the store is ready, and a service that crashes is restarted.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tessera.ops.combinedlog import log_path
from tessera.ops.control import ControlServer
from tessera.ops.readiness import wait_until_ready
from tessera.ops.services import SERVICES, Placed, place
from tessera.ops.supervisor import Supervisor
from tessera.runtime.secrets import local_secrets


def _fresh_sync_executor() -> None:
    """Give a forked child its own thread for Django's synchronous code.

    asgiref runs `sync_to_async` work on one class-level thread pool; a forked child
    inherits the pool but not its thread, so the first such call waits forever. mutmut
    (`make mutation`) forks a child per mutant after running the tests once: without this,
    every gateway mutant timed out instead of being decided.
    """
    from concurrent.futures import ThreadPoolExecutor

    from asgiref.sync import SyncToAsync

    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)


os.register_at_fork(after_in_child=_fresh_sync_executor)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports: each probe stays bound until all are chosen, so the
    kernel cannot hand out the same port twice."""
    with contextlib.ExitStack() as stack:
        probes = [stack.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]


class RunningStack:
    """A stack running in a background event loop, with its URLs and captured output."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        environ = {
            **os.environ,
            "TESSERA_DATA_DIR": str(data_dir),
            "TESSERA_HEARTBEAT_INTERVAL": "1",
            "NO_COLOR": "1",
        }
        environ.pop("DJANGO_SETTINGS_MODULE", None)
        for service, port in zip(SERVICES, free_ports(len(SERVICES)), strict=True):
            environ[service.port_variable] = str(port)
        self.secrets = local_secrets(data_dir)
        environ.update(self.secrets)
        self.stack: list[Placed] = place(SERVICES, environ)
        self.output = io.StringIO()
        self.log_path = log_path(data_dir)  # the combined log, as `up` keeps it
        self.supervisor = Supervisor(
            self.stack, environ=environ, out=self.output, log_path=self.log_path
        )
        self.control = ControlServer(self.supervisor, data_dir / "up.sock")
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.supervising: asyncio.Future | None = None

    def url(self, name: str) -> str:
        return next(r.url for r in self.stack if r.name == name)

    def run(self, coroutine, timeout: float = 120):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def start(self) -> None:
        self.thread.start()
        try:
            self.run(self.supervisor.prepare())
            self.run(self.supervisor.start())
            self.run(wait_until_ready(self.stack, 90))
            self.run(self.control.start())
            self.supervising = asyncio.run_coroutine_threadsafe(
                self.supervisor.supervise(), self.loop
            )
        except Exception:
            print(self.output.getvalue()[-5000:])
            raise

    def stop(self) -> None:
        if self.supervising is not None:
            self.supervising.cancel()
        self.run(self.control.stop())
        self.run(self.supervisor.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    running = RunningStack(tmp_path_factory.mktemp("stack"))
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Attach the stack's recent output to the report of a failed test that used it."""
    report = yield
    running = getattr(item, "funcargs", {}).get("stack")
    if report.failed and isinstance(running, RunningStack):
        report.sections.append(("stack output", running.output.getvalue()[-8000:]))
    return report
