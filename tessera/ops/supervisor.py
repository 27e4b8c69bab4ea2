"""Run a stack of services as child processes: prepare, start, health-check, supervise, stop.

Once the stack is up, `supervise()` restarts any service that exits by itself, with
exponential backoff, and leaves a crash-looping one down while the others keep serving
(see restarts.py); nothing else stops because one service did.

Each service is its own OS process in its own process group, so stopping it stops
everything it spawned; on Linux the kernel also kills a child whose supervisor dies
(PR_SET_PDEATHSIG), so even `kill -9` on `up` leaves no orphan. Every line a child prints is
forwarded with the service's name in front (a request's access line only when asked for: a
flood of requests would bury everything else) and kept in the combined log (combinedlog.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import os
import signal
import socket
import sys
import time
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TextIO

import httpx

from tessera.ops.combinedlog import CombinedLog, log_entry
from tessera.ops.restarts import CrashHistory, RestartPolicy
from tessera.ops.services import KIND_ORDER, Placed, service_env, stack_env
from tessera.runtime.env import REPO_ROOT

_COLOURS = (36, 33, 35, 32, 34, 31, 96, 93, 95, 92, 94, 91)
_PR_SET_PDEATHSIG = 1


class StackError(RuntimeError):
    """The stack could not be brought up; the message is one line an operator can act on."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the forked child
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def port_in_use(host: str, port: int) -> bool:
    """Whether something already listens on (or holds) `host:port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise
    return False


def describe_exit(returncode: int) -> str:
    """How a process ended, for an operator: `exited with code 1`, `killed by SIGKILL`."""
    if returncode < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-returncode).name}"
    return f"exited with code {returncode}"


class Process:
    """One running service instance: its OS process, how it was started, the tail of its
    output."""

    def __init__(
        self,
        placed: Placed,
        proc: asyncio.subprocess.Process,
        name: str,
        extra: Mapping[str, str],
    ) -> None:
        self.placed = placed
        self.proc = proc
        self.name = name  # the service's name, or "<name>:<port>" for an extra instance
        self.extra = extra  # environment on top of the service's own (e.g. a deploy's)
        self.version = extra.get("TESSERA_VERSION", "dev")
        self.started_at = time.monotonic()
        self.tail: deque[str] = deque(maxlen=20)
        self.pump: asyncio.Task[None] | None = None

    def signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signum)


class Supervisor:
    """Prepare, start, watch and stop the services of one stack."""

    def __init__(
        self,
        stack: Sequence[Placed],
        *,
        environ: Mapping[str, str] | None = None,
        out: TextIO | None = None,
        health_timeout: float = 60.0,
        stop_timeout: float = 15.0,
        restart_policy: RestartPolicy | None = None,
        log_path: Path | None = None,
        access_log: bool = False,
    ) -> None:
        self.stack = list(stack)
        self.environ = dict(os.environ if environ is None else environ)
        self.out = out or sys.stdout
        self.health_timeout = health_timeout
        self.stop_timeout = stop_timeout
        self.restart_policy = restart_policy or RestartPolicy()
        self.processes: dict[str, Process] = {}
        #: Instances not running since they exited by themselves: label -> why, and when
        #: one will be restarted, the task doing it.
        self.down: dict[str, str] = {}
        self.histories: dict[str, CrashHistory] = {}
        self._restarting: dict[str, asyncio.Task[None]] = {}
        self._width = max((len(r.name) for r in self.stack), default=0)
        self._colours = {r.name: _COLOURS[i % len(_COLOURS)] for i, r in enumerate(self.stack)}
        self._colour = self.out.isatty() and "NO_COLOR" not in self.environ
        self._stack_vars = stack_env(self.stack)
        self._changed = asyncio.Event()  # set when instances are added or stopped
        #: Whether requests' access lines go to `out` too (they are always in the log).
        self.access_log = access_log
        #: The combined log of every service's output, kept at `log_path` when one is given.
        self.log: CombinedLog | None = None
        if log_path is not None:
            self.log = CombinedLog(log_path, on_error=lambda why: self._print("up", why))

    # -- output ---------------------------------------------------------------------------

    def _prefix(self, name: str) -> str:
        label = f"{name:<{self._width}} |"
        if not self._colour:
            return label
        return f"\x1b[{self._colours.get(name, 0)}m{label}\x1b[0m"

    def emit(self, name: str, line: str) -> None:
        """Pass on one line of a service's output: to the combined log, and to `out` prefixed
        with the service's name (an access line only with `access_log`)."""
        entry, access = log_entry(name, line, time.time())
        if self.log is not None:
            self.log.write(entry)
        if self.access_log or not access:
            self._print(name, line)

    def _print(self, name: str, line: str) -> None:
        self.out.write(f"{self._prefix(name)} {line}\n")
        self.out.flush()

    async def _pump(self, name: str, stream: asyncio.StreamReader, tail: deque[str]) -> None:
        while raw := await stream.readline():
            line = raw.decode("utf-8", "replace").rstrip("\n")
            tail.append(line)
            self.emit(name, line)

    def _env(self, placed: Placed, extra: Mapping[str, str] = MappingProxyType({})) -> dict:
        return {**self.environ, **service_env(placed, self._stack_vars), **extra}

    # -- prepare --------------------------------------------------------------------------

    async def prepare(self) -> None:
        """Run every service's preparation commands (migrate, seed, ...), services in parallel."""
        await asyncio.gather(*(self._prepare_one(r) for r in self.stack))

    async def _prepare_one(
        self, placed: Placed, extra: Mapping[str, str] | None = None, label: str = ""
    ) -> None:
        manage = str(REPO_ROOT / "manage.py")
        for command in placed.service.prepare:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                manage,
                *command,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env=self._env(placed, extra or {}),
                preexec_fn=_die_with_parent,
            )
            assert proc.stdout is not None
            tail: deque[str] = deque(maxlen=20)
            await self._pump(label or placed.name, proc.stdout, tail)
            if await proc.wait() != 0:
                last = tail[-1] if tail else "no output"
                raise StackError(
                    f"{placed.name}: `manage.py {' '.join(command)}` failed "
                    f"(exit {proc.returncode}): {last}"
                )

    # -- start ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start every service and wait until each answers `/healthz`.

        Raises StackError (after stopping whatever did start) when a port is taken, a
        service exits, or a service is not healthy within `health_timeout` seconds.
        """
        for placed in self.stack:
            self._check_port(placed)
        try:
            for kind in KIND_ORDER:
                for placed in self.stack:
                    if placed.service.kind == kind:
                        await self._spawn(placed)
            async with httpx.AsyncClient(timeout=2.0) as client:
                await asyncio.gather(
                    *(self._await_healthy(p, client) for p in self.processes.values())
                )
        except BaseException:
            await self.stop()
            raise

    @staticmethod
    def _check_port(placed: Placed) -> None:
        if port_in_use(placed.host, placed.port):
            raise StackError(
                f"port {placed.port} on {placed.host} is already in use "
                f"(wanted by {placed.name}; set {placed.service.port_variable} "
                "to use another)"
            )

    async def _spawn(
        self, placed: Placed, label: str | None = None, extra: Mapping[str, str] | None = None
    ) -> Process:
        env = self._env(placed, extra or {})
        proc = await asyncio.create_subprocess_exec(
            *placed.command(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=env,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        label = label or placed.name
        process = Process(placed, proc, label, extra or {})
        assert proc.stdout is not None
        process.pump = asyncio.create_task(self._pump(label, proc.stdout, process.tail))
        self.processes[label] = process
        self._changed.set()
        return process

    async def _await_healthy(self, process: Process, client: httpx.AsyncClient) -> None:
        url = f"{process.placed.url}/healthz"
        deadline = time.monotonic() + self.health_timeout
        while time.monotonic() < deadline:
            if process.proc.returncode is not None:
                if process.pump:
                    await process.pump
                last = process.tail[-1] if process.tail else "no output"
                raise StackError(
                    f"{process.name} exited with code {process.proc.returncode} before "
                    f"becoming healthy: {last}"
                )
            with contextlib.suppress(httpx.HTTPError):
                response = await client.get(url)
                if response.status_code == 200:
                    return
            await asyncio.sleep(0.1)
        raise StackError(f"{process.name} did not answer {url} within {self.health_timeout:.0f} s")

    # -- watch and stop -------------------------------------------------------------------

    async def wait_for_exit(self) -> Process:
        """Wait until any running instance exits by itself (not stopped by us); return it."""
        while True:
            self._changed.clear()
            waits = {asyncio.create_task(p.proc.wait()): p for p in self.processes.values()}
            changed = asyncio.create_task(self._changed.wait())
            try:
                done, _ = await asyncio.wait({*waits, changed}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (*waits, changed):
                    task.cancel()
            for task in done:
                process = waits.get(task)
                if process is not None and self.processes.get(process.name) is process:
                    return process

    async def supervise(self) -> None:
        """Keep every instance running until cancelled: one that exits by itself (not
        stopped through this supervisor) is restarted with backoff, or left down when it is
        crash-looping; the others are not touched."""
        while True:
            self._exited(await self.wait_for_exit())

    def _exited(self, process: Process) -> None:
        name = process.name
        del self.processes[name]
        self._changed.set()
        process.signal(signal.SIGKILL)  # whatever it spawned goes too, and frees its port
        history = self.histories.setdefault(name, CrashHistory(self.restart_policy))
        delay = history.exited(time.monotonic(), process.started_at)
        how = describe_exit(process.proc.returncode or 0)
        if delay is None:
            policy = self.restart_policy
            self.down[name] = f"crash loop ({how}); next try in {policy.cooldown:.0f} s"
            last = process.tail[-1] if process.tail else "no output"
            self.emit(
                name,
                f"{how}: {policy.crash_loop} exits within {policy.window:.0f} s, a crash loop; "
                f"left down while the rest serve, tried afresh in {policy.cooldown:.0f} s "
                f"or by `manage.py restart {name}` (last output: {last})",
            )
            self._restarting[name] = asyncio.create_task(
                self._restart(process, policy.cooldown, afresh=True)
            )
            return
        self.down[name] = f"restarting ({how})"
        self.emit(name, f"{how}; restarting in {delay:.1f} s (restart {history.restarts + 1})")
        self._restarting[name] = asyncio.create_task(self._restart(process, delay))

    async def _restart(self, old: Process, delay: float, *, afresh: bool = False) -> None:
        name = old.name
        try:
            await asyncio.sleep(delay)
            if old.pump:  # its last lines first
                await old.pump
            if afresh:  # a crash loop cooled down: a new run of tries
                self.histories[name].forget()
            self.histories[name].restarts += 1
            try:
                process = await self._spawn(old.placed, name, old.extra)
            except OSError as exc:
                self.down[name] = f"could not be restarted: {exc}"
                self.emit(name, self.down[name])
                return
            del self.down[name]
            try:
                async with httpx.AsyncClient(timeout=2.0) as client:
                    await self._await_healthy(process, client)
            except StackError as exc:
                # Exited again before it was healthy: supervise() sees that exit, backs off.
                if process.proc.returncode is None:
                    self.emit(name, str(exc))
                return
            self.emit(name, f"back up after restart {self.histories[name].restarts}")
        finally:
            if self._restarting.get(name) is asyncio.current_task():
                del self._restarting[name]

    def status(self) -> list[dict[str, object]]:
        """Every instance: running (with its pid) or down (and why), and its restarts."""
        rows: list[dict[str, object]] = []
        for name, process in self.processes.items():
            rows.append({"label": name, "state": "running", "pid": process.proc.pid})
        for name, why in self.down.items():
            rows.append({"label": name, "state": why, "pid": None})
        for row in rows:
            history = self.histories.get(str(row["label"]))
            row["restarts"] = history.restarts if history else 0
        return rows

    async def start_instance(
        self, name: str, *, version: str, env: Mapping[str, str] | None = None
    ) -> Process:
        """Start one more instance of service `name` on a free port, as `version` with `env`
        on top of the service's own, and wait until it is healthy (e.g. for a deploy).

        The service's preparation runs first, from the current code: a fragment's new
        assets are collected next to the old ones, which running instances keep serving.
        """
        base = next((r for r in self.stack if r.name == name), None)
        if base is None:
            raise StackError(f"no service named {name!r} in this stack")
        with socket.socket() as probe:
            probe.bind((base.host, 0))
            port = probe.getsockname()[1]
        placed = Placed(base.service, base.host, port)
        extra = {**(env or {}), "TESSERA_VERSION": version}
        label = f"{name}:{port}"
        await self._prepare_one(placed, extra, label)
        process = await self._spawn(placed, label, extra)
        try:
            async with httpx.AsyncClient(timeout=2.0) as client:
                await self._await_healthy(process, client)
        except BaseException:
            await self.stop_service(process.name)
            raise
        return process

    async def stop_service(self, name: str) -> None:
        """Stop one service, draining it first (SIGTERM, see tessera.runtime.serve; SIGKILL after
        `stop_timeout`); the others keep running."""
        process = self.processes.pop(name)
        self._changed.set()
        if process.proc.returncode is None:
            process.signal(signal.SIGTERM)
        await self._reap(process)

    async def restart_service(self, name: str) -> Process:
        """Restart service `name` now, as an operator asks: one left down (a crash loop
        cooling down, or waiting for its next try) starts afresh at once; a running one is
        drained and started again. Waits until it is healthy."""
        base = next((r for r in self.stack if r.name == name), None)
        if name not in self.processes and (base is None or name not in self.down):
            raise StackError(f"no service {name!r} of this stack is running or left down")
        waiting = self._restarting.pop(name, None)
        if waiting is not None:  # its pending restart (it may have spawned one already)
            waiting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiting
        old = self.processes.get(name)
        if old is not None:
            await self.stop_service(name)
            placed, extra = old.placed, old.extra
        else:
            assert base is not None
            placed, extra = base, {}
        history = self.histories.setdefault(name, CrashHistory(self.restart_policy))
        history.forget()
        history.restarts += 1
        try:
            process = await self._spawn(placed, name, extra)
        except OSError as exc:  # still down, and said why: the operator may try again
            self.down[name] = f"could not be restarted: {exc}"
            self.emit(name, self.down[name])
            raise StackError(f"{name} could not be restarted: {exc}") from None
        self.down.pop(name, None)
        async with httpx.AsyncClient(timeout=2.0) as client:
            await self._await_healthy(process, client)
        self.emit(name, "restarted by an operator")
        return process

    async def start_service(self, name: str) -> None:
        """(Re)start one service of the stack and wait until it is healthy."""
        placed = next(r for r in self.stack if r.name == name)
        self._check_port(placed)
        await self._spawn(placed)
        async with httpx.AsyncClient(timeout=2.0) as client:
            await self._await_healthy(self.processes[name], client)

    async def stop(self) -> None:
        """Stop every service, kind by kind in reverse start order: SIGINT, then SIGKILL.

        SIGINT, not SIGTERM: the whole stack goes, so nobody needs the drain a single
        instance's SIGTERM gives.
        """
        for task in list(self._restarting.values()):
            task.cancel()
        await asyncio.gather(*self._restarting.values(), return_exceptions=True)
        self._restarting.clear()
        for kind in reversed(KIND_ORDER):
            wave = [p for p in self.processes.values() if p.placed.service.kind == kind]
            for process in wave:
                if process.proc.returncode is None:
                    process.signal(signal.SIGINT)
            await asyncio.gather(*(self._reap(p) for p in wave))
        self.processes.clear()
        if self.log is not None:
            self.log.close()

    async def _reap(self, process: Process) -> None:
        try:
            await asyncio.wait_for(process.proc.wait(), self.stop_timeout)
        except TimeoutError:
            self.emit(process.name, f"did not stop within {self.stop_timeout:.0f} s; killing it")
            process.signal(signal.SIGKILL)
            await process.proc.wait()
        # The group may hold children the service spawned; none may outlive it.
        process.signal(signal.SIGKILL)
        if process.pump:
            with contextlib.suppress(asyncio.CancelledError):
                await process.pump
