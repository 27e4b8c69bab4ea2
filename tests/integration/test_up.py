"""`manage.py up` as an operator runs it: serves the storefront once it says so, restarts a
killed service while the rest serve, Ctrl-C leaves nothing behind."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import free_ports
from tessera.ops.services import SERVICES
from tessera.runtime.env import REPO_ROOT

pytestmark = pytest.mark.integration


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / "manage.py"), *args],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _status(env: dict) -> dict[str, list[str]]:
    """`manage.py status` as a table: service -> its other columns."""
    result = _manage(env, "status")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows[0] == ["service", "state", "pid", "restarts", "health"]
    return {row[0]: row[1:] for row in rows[1:]}


def test_up_serves_restarts_deploys_and_ctrl_c_stops_every_process(tmp_path):
    env = {**os.environ, "TESSERA_DATA_DIR": str(tmp_path), "NO_COLOR": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    ports = dict(zip((s.name for s in SERVICES), free_ports(len(SERVICES)), strict=True))
    for service in SERVICES:
        env[service.port_variable] = str(ports[service.name])
    up = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "manage.py"), "up"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = up.stdout.readline()
            assert line, "up exited early:\n" + "".join(lines[-30:])
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        output = "".join(lines)
        assert f"storefront: http://127.0.0.1:{ports['shell']}/" in output
        assert f"admin:      http://127.0.0.1:{ports['registry']}/admin/" in output

        # Ready means ready: the first page after the announcement is the whole home page.
        shop = f"http://127.0.0.1:{ports['shell']}"
        page = httpx.get(f"{shop}/", timeout=10)
        assert page.status_code == 200
        assert 'data-fragment="header"' in page.text and "hero__deal" in page.text

        status = _status(env)
        assert set(status) == {s.name for s in SERVICES}
        assert all(row[0] == "running" and row[2:] == ["0", "ok"] for row in status.values())

        # A killed fragment service is restarted; the store serves pages throughout.
        killed = int(status["reviews-fragment"][1])
        os.kill(killed, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while True:
            assert httpx.get(f"{shop}/product/SKU-1001", timeout=10).status_code == 200
            row = _status(env)["reviews-fragment"]
            if row[0] == "running" and row[1] != str(killed) and row[3] == "ok":
                break
            assert time.monotonic() < deadline, row
            time.sleep(0.2)
        assert row[2] == "1"  # one restart

        # A fragment deployed through up's control socket is one of up's services too.
        deploy = _manage(env, "deploy", "footer", "--version", "2")
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        assert "footer 2 serves every visitor" in deploy.stdout

        services = _descendants(up.pid)
        assert len(services) >= len(SERVICES)
        up.send_signal(signal.SIGINT)
        assert up.wait(timeout=60) == 0
        remaining = up.stdout.read()
        assert "Every service stopped." in remaining
        everything = output + remaining
        at = everything.find("Traceback")  # a clean stop, and a clean deploy; else, whose?
        assert at < 0, everything[max(0, at - 3000) : at + 4000]
        # Every service's output reached the terminal, prefixed with the service's name.
        width = max(len(s.name) for s in SERVICES)
        for service in SERVICES:
            assert f'{service.name:<{width}} | {{"ts": ' in output + remaining
        time.sleep(0.2)
        alive = {pid for pid in services if Path(f"/proc/{pid}").exists()}
        assert alive == set()
        for port in ports.values():
            with pytest.raises(httpx.ConnectError):
                httpx.get(f"http://127.0.0.1:{port}/healthz")
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()
