"""Several workers on one port, for real: `python -m tessera.runtime.serve --workers 2` on a
loopback port, its workers seen through the pids they answer with."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from conftest import free_port
from tessera.runtime.env import REPO_ROOT
from tests.integration.pid_service import SLOW_SECONDS, TOKEN
from tests.prometheus import samples

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

#: Seconds a test waits for what it expects before failing.
PATIENCE = 15.0


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    output: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> set[int]:
        """The pids of the parent's live children."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return {int(pid) for pid in children.read_text().split()}

    def answering(self, count: int = 1) -> list[int]:
        """The pids that answered `count` requests, each on a new connection."""
        return [int(httpx.get(self.url + "/", timeout=5).text) for _ in range(count)]

    def pids_within(self, wanted: int) -> set[int]:
        """Pids seen answering until `wanted` distinct ones did (or PATIENCE ran out)."""
        seen: set[int] = set()
        deadline = time.monotonic() + PATIENCE
        while len(seen) < wanted and time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                seen.update(self.answering())
        return seen


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].startswith(" Z")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """The pid service under two workers, with no drain wait."""
    port = free_port()
    output = tmp_path / "output"
    with output.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tessera.runtime.serve", "tests.integration.pid_service:app",
             "--port", str(port), "--workers", "2", "--drain", "0.5"],
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    running = Server(proc, port, output)
    try:
        deadline = time.monotonic() + PATIENCE
        while len(running.workers()) < 2 or not running.pids_within(1):
            assert proc.poll() is None, output.read_text()
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.1)
        yield running
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_two_worker_processes_serve_the_port(server):
    workers = server.workers()
    assert len(workers) == 2
    assert server.pids_within(2) == workers  # both answer, and only they


def test_a_killed_worker_is_replaced(server):
    killed, kept = sorted(server.workers())
    os.kill(killed, signal.SIGKILL)
    deadline = time.monotonic() + PATIENCE
    while killed in server.workers() or len(server.workers()) < 2:
        assert time.monotonic() < deadline, "the killed worker was not replaced"
        time.sleep(0.05)
    (replacement,) = server.workers() - {kept}
    assert server.pids_within(2) == {kept, replacement}
    assert "worker exited; restarting it" in server.output.read_text()


def test_sigterm_drains_every_worker_then_stops_them_all(server):
    workers = server.workers()
    # Both serving: a worker still starting has nothing to drain, and simply stops.
    assert server.pids_within(2) == workers
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(PATIENCE) == 0
    output = server.output.read_text()
    assert {f"draining {pid}" for pid in workers} <= set(output.splitlines())
    assert not any(_alive(pid) for pid in workers)


def test_once_the_workers_stop_accepting_a_new_connection_is_refused_not_left_waiting(server):
    # A request in progress keeps its worker (and the parent) alive past the drain.
    slow = socket.create_connection(("127.0.0.1", server.port), timeout=PATIENCE)
    slow.sendall(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
    time.sleep(0.5)
    signalled = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    refused = False
    while not refused and time.monotonic() - signalled < SLOW_SECONDS - 2:
        try:
            socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
            time.sleep(0.1)  # still accepted: the drain, or a socket no worker reads
        except ConnectionRefusedError:
            refused = True
    assert refused, "connections were still queued for no one while a request finished"
    assert slow.recv(100).startswith(b"HTTP/1.1 200")  # the request in progress finishes
    slow.close()
    assert server.proc.wait(PATIENCE) == 0


def _requests_by_worker(server: Server) -> dict[str, float]:
    """`tessera_http_requests_total` of one scrape, summed by its `worker` label."""
    response = httpx.get(
        server.url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5
    )
    assert response.status_code == 200, response.text
    counts: dict[str, float] = {}
    for name, value in samples(response.text).items():
        if name.startswith("tessera_http_requests_total{"):
            worker = name.split('worker="')[1].split('"')[0]
            counts[worker] = counts.get(worker, 0) + value
    return counts


def test_metrics_count_the_requests_of_every_worker(server):
    before = _requests_by_worker(server)
    answered = server.answering(40)
    by_pid = sorted(answered.count(pid) for pid in set(answered))
    assert len(by_pid) == 2, answered  # both workers served some
    for _ in range(3):  # whichever worker answers the scrape, all are counted
        after = _requests_by_worker(server)
        assert set(after) == {"0", "1"}
        assert sorted(after[w] - before.get(w, 0) for w in after) == by_pid


CRASHING = """
import sys, time
from tessera.ops.restarts import RestartPolicy
from tessera.runtime.workers import Workers, bind

def serve(sock):
    with open(sys.argv[1], "a") as starts:
        starts.write("start\\n")
    sys.exit(3)

policy = RestartPolicy(first_delay=0.2, crash_loop=3, window=60)
started = time.monotonic()
with bind("127.0.0.1", 0) as sock:
    code = Workers(2, sock, serve, policy=policy).run()
print(code, round(time.monotonic() - started, 2))
"""


def test_a_crash_looping_worker_is_restarted_with_backoff_then_everything_stops(tmp_path):
    starts = tmp_path / "starts"
    result = subprocess.run(
        [sys.executable, "-c", CRASHING, str(starts)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=PATIENCE,
        check=True,
    )
    code, elapsed = result.stdout.split()
    assert code == "1"  # for the supervisor above to see
    # 0.2 s, then 0.4 s before each worker's second and third start: no spinning.
    assert float(elapsed) >= 0.6
    assert 3 <= starts.read_text().count("start") <= 6
