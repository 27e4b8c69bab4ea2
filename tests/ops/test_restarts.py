"""`up` as a process supervisor: a crashed service is restarted with backoff while the others
keep serving; a crash loop is left down and reported, then tried afresh after a cool-down or
at an operator's word. Backoff logic on a fake clock; the
supervision itself on real processes on loopback."""

import asyncio
import contextlib
import io
import os
import signal

import httpx
import pytest

from conftest import free_port
from tessera.ops.control import ControlServer
from tessera.ops.restarts import CrashHistory, RestartPolicy
from tessera.ops.services import Service, place
from tessera.ops.supervisor import StackError, Supervisor, describe_exit

POLICY = RestartPolicy(first_delay=1, max_delay=8, crash_loop=4, window=60, recovered_after=30)


def test_each_crash_in_a_row_doubles_the_pause_up_to_the_maximum():
    history = CrashHistory(RestartPolicy(first_delay=1, max_delay=4, crash_loop=99))
    delays = [history.exited(now=t, started_at=t - 1) for t in (10, 12, 15, 20, 27)]
    assert delays == [1, 2, 4, 4, 4]


def test_a_service_that_ran_long_enough_starts_over_from_the_first_pause():
    history = CrashHistory(POLICY)
    assert history.exited(now=100, started_at=99) == 1
    assert history.exited(now=102, started_at=101) == 2
    assert history.exited(now=200, started_at=103) == 1  # ran 97 s: it had recovered


def test_too_many_exits_within_the_window_is_a_crash_loop():
    history = CrashHistory(POLICY)
    assert [history.exited(now=t, started_at=t) for t in (0, 1, 2)] == [1, 2, 4]
    assert history.exited(now=3, started_at=3) is None  # the 4th exit within 60 s


def test_exits_older_than_the_window_do_not_count_towards_a_crash_loop():
    history = CrashHistory(POLICY)
    for t in (0, 1, 2):
        history.exited(now=t, started_at=t)
    assert history.exited(now=100, started_at=99) is not None


def test_after_a_crash_loop_is_forgotten_the_next_exit_starts_from_the_first_pause():
    history = CrashHistory(POLICY)
    for t in (0, 1, 2):
        history.exited(now=t, started_at=t)
    assert history.exited(now=3, started_at=3) is None  # a crash loop
    history.forget()  # its cool-down is over, or an operator restarted it
    assert history.exited(now=4, started_at=4) == 1


def test_a_restart_that_cannot_start_the_service_leaves_it_down_and_says_why(monkeypatch):
    supervisor = _stack("alpha", policy=POLICY)
    supervisor.down["alpha"] = "crash loop (exited with code 3); next try in 300 s"

    async def cannot_spawn(*args, **kwargs):
        raise OSError("[Errno 24] Too many open files")

    monkeypatch.setattr(supervisor, "_spawn", cannot_spawn)
    with pytest.raises(StackError, match=r"alpha could not be restarted: .*Too many open files"):
        asyncio.run(supervisor.restart_service("alpha"))
    assert supervisor.down["alpha"] == "could not be restarted: [Errno 24] Too many open files"
    assert supervisor.histories["alpha"].restarts == 1  # tried: counted
    assert "alpha" in {row["label"] for row in supervisor.status()}  # and still listed


def test_an_exit_is_described_by_its_code_or_its_signal():
    assert describe_exit(3) == "exited with code 3"
    assert describe_exit(-signal.SIGKILL) == "killed by SIGKILL"


def _stack(*names: str, policy: RestartPolicy) -> Supervisor:
    services = [
        Service(name, "backend", "tests.ops.crashing_apps:mortal", "tests.settings", free_port())
        for name in names
    ]
    return Supervisor(
        place(services, {}), environ=dict(os.environ), out=io.StringIO(), restart_policy=policy
    )


async def _until(condition, what: str, within: float = 30.0) -> None:
    """Poll `condition` (bounded); fail saying `what` did not happen."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, f"{what} within {within} s"
        await asyncio.sleep(0.05)


def test_a_killed_service_is_restarted_and_the_others_serve_throughout():
    supervisor = _stack("alpha", "beta", policy=RestartPolicy(first_delay=0.1))
    alpha, beta = (p.url for p in supervisor.stack)

    async def scenario():
        await supervisor.start()
        supervising = asyncio.create_task(supervisor.supervise())
        try:
            killed = supervisor.processes["alpha"].proc.pid
            os.kill(killed, signal.SIGKILL)
            async with httpx.AsyncClient(timeout=2) as client:
                await _until(lambda: "alpha" not in supervisor.processes, "alpha seen dead")
                served_while_down = (await client.get(beta)).text
                await _until(
                    lambda: "back up after restart 1" in supervisor.out.getvalue(), "back up"
                )
                restarted = (await client.get(alpha)).text
            return killed, served_while_down, restarted
        finally:
            supervising.cancel()
            await supervisor.stop()

    killed, served_while_down, restarted = asyncio.run(scenario())
    assert int(restarted) != killed  # a new process answers on alpha's port
    output = supervisor.out.getvalue()
    assert "alpha | killed by SIGKILL; restarting in 0.1 s (restart 1)" in output
    assert "alpha | back up after restart 1" in output
    assert supervisor.histories["alpha"].restarts == 1
    assert "beta" not in supervisor.histories  # never restarted: it served all along
    assert served_while_down.isdigit()  # beta answered while alpha was down


def test_a_crash_loop_is_left_down_and_reported_while_the_others_serve_until_restarted():
    policy = RestartPolicy(first_delay=0.05, crash_loop=3, window=60, cooldown=3600)
    supervisor = _stack("alpha", "beta", policy=policy)
    alpha, beta = (p.url for p in supervisor.stack)

    async def scenario():
        await supervisor.start()
        supervising = asyncio.create_task(supervisor.supervise())
        control = ControlServer(supervisor)
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                for _ in range(3):
                    await _until(lambda: "alpha" in supervisor.processes, "alpha running")
                    await _until_serving(client, alpha)
                    with contextlib.suppress(httpx.HTTPError):  # it dies mid-answer
                        await client.get(alpha + "/die")
                    await _until(lambda: "alpha" not in supervisor.processes, "alpha exited")
                await _until(lambda: "crash loop" in supervisor.down.get("alpha", ""), "loop")
                await asyncio.sleep(0.3)  # longer than any backoff: it must stay down
                beta_answer = (await client.get(beta)).status_code
                status = await control.handle({"op": "status"})
                # The operator, the cause mended: `manage.py restart alpha`.
                restarted = await control.handle({"op": "restart", "service": "alpha"})
                alpha_answer = (await client.get(alpha)).status_code
                unknown = None
                try:
                    await control.handle({"op": "restart", "service": "gamma"})
                except Exception as exc:
                    unknown = str(exc)
            return beta_answer, status, restarted, alpha_answer, unknown
        finally:
            supervising.cancel()
            await supervisor.stop()

    beta_answer, status, restarted, alpha_answer, unknown = asyncio.run(scenario())
    assert (restarted["label"], alpha_answer) == ("alpha", 200)
    assert unknown == "no service 'gamma' of this stack is running or left down"
    assert beta_answer == 200
    rows = {row["label"]: row for row in status["services"]}
    assert rows["alpha"]["state"] == "crash loop (exited with code 3); next try in 3600 s"
    assert (rows["alpha"]["pid"], rows["alpha"]["health"], rows["alpha"]["restarts"]) == (
        None, "-", 2
    )  # fmt: skip
    assert (rows["beta"]["state"], rows["beta"]["health"], rows["beta"]["restarts"]) == (
        "running", "ok", 0
    )  # fmt: skip
    said = supervisor.out.getvalue()
    assert "3 exits within 60 s, a crash loop; left down while the rest serve, tried afresh" in said
    assert "`manage.py restart alpha`" in said and "restarted by an operator" in said


def test_a_crash_loop_is_tried_afresh_after_its_cool_down():
    policy = RestartPolicy(first_delay=0.05, crash_loop=2, window=60, cooldown=0.5)
    supervisor = _stack("alpha", policy=policy)
    (alpha,) = (p.url for p in supervisor.stack)

    async def scenario():
        await supervisor.start()
        supervising = asyncio.create_task(supervisor.supervise())
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                for _ in range(2):
                    await _until(lambda: "alpha" in supervisor.processes, "alpha running")
                    await _until_serving(client, alpha)
                    with contextlib.suppress(httpx.HTTPError):
                        await client.get(alpha + "/die")
                    await _until(lambda: "alpha" not in supervisor.processes, "alpha exited")
                await _until(lambda: "crash loop" in supervisor.down.get("alpha", ""), "loop")
                await _until(lambda: "alpha" in supervisor.processes, "alpha tried afresh")
                await _until_serving(client, alpha)
                return (await client.get(alpha)).status_code
        finally:
            supervising.cancel()
            await supervisor.stop()

    assert asyncio.run(scenario()) == 200
    assert "alpha" not in supervisor.down


async def _until_serving(client: httpx.AsyncClient, url: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:
        try:
            if (await client.get(url)).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert loop.time() < deadline, f"{url} never served"
        await asyncio.sleep(0.05)
