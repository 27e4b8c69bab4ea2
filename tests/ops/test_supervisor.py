"""The supervisor behind `manage.py up`, driving real uvicorn processes on loopback."""

import asyncio
import io
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import free_port, free_ports
from tessera.ops.combinedlog import log_files
from tessera.ops.services import SERVICES, Service, place
from tessera.ops.supervisor import StackError, Supervisor, port_in_use
from tessera.runtime.env import REPO_ROOT
from tests.ops.log_apps import REQUEST_ID


def _service(name: str, app: str, kind="backend") -> Service:
    return Service(name, kind, app, "tests.settings", free_port())


def _supervisor(services, out=None, **kwargs) -> Supervisor:
    stack = place(services, {})
    return Supervisor(stack, environ=dict(os.environ), out=out or io.StringIO(), **kwargs)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited; only its parent's wait() is outstanding.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()


def test_port_in_use_detects_a_listening_socket():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert port_in_use("127.0.0.1", port)
    assert not port_in_use("127.0.0.1", port)


def test_services_start_healthy_with_prefixed_output_and_stop_completely():
    out = io.StringIO()
    supervisor = _supervisor(
        [_service("alpha", "tests.ops.apps:hello"), _service("beta", "tests.ops.apps:hello")],
        out=out,
    )

    async def scenario():
        await supervisor.start()
        pids = [p.proc.pid for p in supervisor.processes.values()]
        import httpx

        async with httpx.AsyncClient() as client:
            for placed in supervisor.stack:
                assert (await client.get(placed.url + "/")).text == "hello"
        await supervisor.stop()
        return pids

    pids = asyncio.run(scenario())
    assert len(pids) == 2
    assert not any(_alive(pid) for pid in pids)
    lines = out.getvalue().splitlines()
    assert "alpha | hello from alpha" in lines
    assert "beta  | hello from beta" in lines


def test_a_taken_port_is_reported_in_one_line_before_anything_starts():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        taken = listener.getsockname()[1]
        service = Service("gamma", "backend", "tests.ops.apps:hello", "x", taken)
        supervisor = _supervisor([_service("alpha", "tests.ops.apps:hello"), service])
        with pytest.raises(StackError) as error:
            asyncio.run(supervisor.start())
    message = str(error.value)
    assert f"port {taken} on 127.0.0.1 is already in use" in message
    assert "TESSERA_PORT_GAMMA" in message
    assert "\n" not in message
    assert supervisor.processes == {}


def test_a_service_that_dies_at_start_fails_the_stack_with_its_last_words():
    healthy = _service("alpha", "tests.ops.apps:hello")
    broken = _service("broken", "tests.ops.broken:app")
    supervisor = _supervisor([healthy, broken])

    async def scenario():
        try:
            await supervisor.start()
        finally:
            assert supervisor.processes == {}  # the healthy one was stopped too

    with pytest.raises(StackError, match="broken exited with code 1 before becoming healthy"):
        asyncio.run(scenario())


def test_a_service_that_never_becomes_healthy_times_out():
    supervisor = _supervisor([_service("slow", "tests.ops.apps:_never_healthy")], health_timeout=3)
    with pytest.raises(
        StackError, match=r"slow did not answer http://127\.0\.0\.1:\d+/healthz within 3 s"
    ):
        asyncio.run(supervisor.start())


def test_stopping_a_service_also_stops_the_processes_it_started(tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    os.environ["GRANDCHILD_PID_FILE"] = str(pid_file)
    try:
        supervisor = _supervisor([_service("spawner", "tests.ops.apps:spawner")])

        async def scenario():
            await supervisor.start()
            grandchild = int(pid_file.read_text())
            assert _alive(grandchild)
            await supervisor.stop()
            return grandchild

        grandchild = asyncio.run(scenario())
    finally:
        del os.environ["GRANDCHILD_PID_FILE"]
    deadline = time.monotonic() + 15  # generous: only a bound, the loop ends when it is gone
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild)


def test_up_exits_with_one_line_when_a_port_is_taken(tmp_path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        taken = listener.getsockname()[1]
        env = {
            **os.environ,
            "TESSERA_DATA_DIR": str(tmp_path),
            "TESSERA_PORT_SHELL": str(taken),
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        for service, port in zip(SERVICES, free_ports(len(SERVICES)), strict=True):
            env.setdefault(service.port_variable, str(port))
        result = subprocess.run(
            [sys.executable, str(REPO_ROOT / "manage.py"), "up", "--skip-prepare"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: port {taken} on 127.0.0.1 is already in use (wanted by shell; "
        "set TESSERA_PORT_SHELL to use another)"
    ]


def test_stopping_one_service_drains_it_first_while_it_still_serves(tmp_path, monkeypatch):
    drain_file, release = tmp_path / "drain", tmp_path / "release"
    monkeypatch.setenv("DRAIN_FILE", str(drain_file))
    monkeypatch.setenv("RELEASE_FILE", str(release))
    supervisor = _supervisor([_service("drainer", "tests.ops.apps:held_drainer")])
    url = supervisor.stack[0].url

    async def scenario():
        import httpx

        await supervisor.start()
        stopping = asyncio.create_task(supervisor.stop_service("drainer"))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30  # generous: a loaded machine is slow to deliver a signal
        while not drain_file.exists():
            assert not stopping.done(), "the service stopped without draining"
            assert loop.time() < deadline, "draining never started"
            await asyncio.sleep(0.05)
        # The drain has begun and is held open by the service's own hook: whatever answers
        # now answers while draining.
        async with httpx.AsyncClient(timeout=30) as client:
            during = await client.get(url + "/")
        state_then = drain_file.read_text(), stopping.done()
        release.write_text("go")
        await asyncio.wait_for(stopping, 60)
        return during, state_then

    during, state_then = asyncio.run(scenario())
    assert (during.status_code, during.text) == (200, "hello")
    assert state_then == ("draining", False)  # served before the drain had ended
    assert drain_file.read_text() == "drained"  # the drain ran to its end before the stop
    assert not port_in_use("127.0.0.1", supervisor.stack[0].port)


def test_stopping_the_whole_stack_skips_the_drain(tmp_path, monkeypatch):
    monkeypatch.setenv("DRAIN_FILE", str(tmp_path / "drained"))
    supervisor = _supervisor([_service("drainer", "tests.ops.apps:drainer")])

    async def scenario():
        await supervisor.start()
        await supervisor.stop()

    asyncio.run(scenario())
    assert not (tmp_path / "drained").exists()


def test_every_line_goes_to_the_combined_log_as_json_and_access_lines_not_to_the_terminal(
    tmp_path,
):
    out = io.StringIO()
    log = tmp_path / "log" / "tessera.log"
    supervisor = _supervisor(
        [_service("alpha", "tests.ops.log_apps:chatty")], out=out, log_path=log
    )

    async def scenario():
        import httpx

        await supervisor.start()
        async with httpx.AsyncClient() as client:
            assert (await client.get(supervisor.stack[0].url + "/")).text == "said it"
        await supervisor.stop()

    asyncio.run(scenario())
    lines = log.read_text().splitlines()
    entries = {entry["msg"]: entry for entry in map(json.loads, lines)}
    assert all(entry["service"] == "alpha" for entry in entries.values())
    as_printed = {
        "ts": "2026-11-30T17:50:01.123Z",
        "level": "warning",
        "logger": "app",
        "msg": "a warning",
        "service": "alpha",
        "request_id": REQUEST_ID,
    }
    assert json.dumps(as_printed) in lines  # a JSON line that names its service: as it is
    wrapped = entries["Traceback (most recent call last): not JSON"]
    assert wrapped["level"] == "info" and wrapped["ts"].endswith("Z")
    assert entries["GET hello 200"]["logger"] == "tessera.access"
    terminal = out.getvalue()
    assert "alpha | Traceback (most recent call last): not JSON" in terminal
    assert f"alpha | {json.dumps(as_printed)}" in terminal
    assert "GET hello 200" not in terminal


def test_access_lines_reach_the_terminal_when_asked_for():
    access = json.dumps({"logger": "tessera.access", "msg": "GET hello 200"})
    quiet, loud = io.StringIO(), io.StringIO()
    _supervisor([_service("alpha", "x:y")], out=quiet).emit("alpha", access)
    _supervisor([_service("alpha", "x:y")], out=loud, access_log=True).emit("alpha", access)
    assert quiet.getvalue() == ""
    assert loud.getvalue() == f"alpha | {access}\n"


def test_a_combined_log_that_cannot_be_written_is_reported_once_and_the_stack_goes_on(tmp_path):
    (tmp_path / "log").write_text("a file where the log's directory should be")
    out = io.StringIO()
    supervisor = _supervisor(
        [_service("alpha", "x:y")], out=out, log_path=tmp_path / "log" / "tessera.log"
    )
    supervisor.emit("alpha", "one")
    supervisor.emit("alpha", "two")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"up    | the combined log {tmp_path}/log/tessera.log is no longer")
    assert lines[1:] == ["alpha | one", "alpha | two"]
    assert all(not path.exists() for path in log_files(tmp_path / "log" / "tessera.log"))
