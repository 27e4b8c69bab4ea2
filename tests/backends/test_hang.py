"""A backend stub's `hang` fault in a real process: stopping it, with requests hung in it.

The stub runs under `python -m tessera.runtime.serve` on a free loopback port, as `up` runs it;
its graceful timeout is the default 10 s, which a stop must not wait out.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tessera.runtime.env import REPO_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

#: How long a test waits on a socket or the process: well past every deadline expected here.
PATIENCE = 8.0
#: How long a stop may take with requests hung in the stub (uvicorn's graceful wait is 10 s),
#: and how long the test waits for one: past that wait, so a slow stop is measured.
PROMPT, STOP_PATIENCE = 3.0, 15.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _request(port: int, path: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=PATIENCE)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return sock


def _answer(sock: socket.socket) -> bytes:
    data = b""
    with contextlib.suppress(OSError):
        while chunk := sock.recv(4096):
            data += chunk
    return data


@contextlib.contextmanager
def hanging_stub(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, int, Path]]:
    """The catalog stub with every /products request hung, and the file its output goes to."""
    port = free_port()
    env = {
        **os.environ,
        "TESSERA_BACKEND": "catalog",
        "TESSERA_DATA_DIR": str(tmp_path),
        "TESSERA_FAULTS": json.dumps({"/products": {"hang": True}}),
        "NO_COLOR": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    output = tmp_path / "stub.log"
    command = ["-m", "tessera.runtime.serve", "backends.kit.asgi:application", "--port", str(port)]
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, *command], cwd=REPO_ROOT, env=env, stdout=sink, stderr=sink
        )
    try:
        for _ in range(150):
            with contextlib.suppress(OSError), contextlib.closing(_request(port, "/healthz")) as s:
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    break
            time.sleep(0.1)
        else:
            pytest.fail(f"the stub did not start: {output.read_text()[-2000:]}")
        yield process, port, output
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(PATIENCE)


def _access_lines(output: Path, path_prefix: str) -> int:
    """Access lines the stub has written so far for requests whose path starts so."""
    needle = f'"path": "{path_prefix}'
    lines = output.read_text().splitlines()
    return sum(1 for line in lines if '"msg": "access"' in line and needle in line)


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll `condition` until it holds; fail after PATIENCE seconds."""
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not seen in {PATIENCE} s")
        time.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_ends_hung_requests_at_once_and_prints_no_traceback(tmp_path, signum):
    with hanging_stub(tmp_path) as (process, port, output):
        staying = [_request(port, f"/products/SKU-{n}") for n in range(10)]
        for n in range(10):  # callers that gave up: their requests end with them
            _request(port, f"/products/SKU-{100 + n}").close()
        # Every request has reached the fault: those that gave up have ended there (their
        # access lines are written), and the others, on connections accepted before theirs
        # and read no later, hang there. A bounded wait for what the process shows, not a
        # sleep of a guessed length (a real process: no virtual clock reaches it).
        _wait_for(lambda: _access_lines(output, "/products/SKU-10") == 10, "the callers leaving")
        assert process.poll() is None

        started = time.monotonic()
        process.send_signal(signum)
        process.wait(STOP_PATIENCE)
        took = time.monotonic() - started
        answers = [_answer(sock) for sock in staying]
        for sock in staying:
            sock.close()

    log = output.read_text()
    assert took < PROMPT, f"the stop took {took:.1f} s"
    assert "Traceback" not in log and "CancelledError" not in log, log[-3000:]
    for answer in answers:  # each caller still waiting was told, not cut off
        assert answer.startswith(b"HTTP/1.1 503"), answer[:200]
        assert b"stopping" in answer
