"""Several worker processes serving one port: `python -m tessera.runtime.serve app --workers N`.

A service's event loop uses one core; with `--workers N` (the shell's is `TESSERA_SHELL_WORKERS`)
a small parent process binds the listening socket once and forks N workers, each of which
imports and runs the whole app on that socket as a single-process service would: its own
lifespan (the shell's: its own pools, snapshot poller and reporter), its own access lines on
stdout, and the drain of `serve.py` when stopped. The parent never imports the app, so each
worker's state is unambiguously its own and the parent stays small.

One socket shared, not SO_REUSEPORT: measured here (the bench's uncached page, wrk at 16
connections, 2 workers on 2 cores, 4 runs each), both spread the load evenly (each worker's
CPU time within 20% of the other's) and their pages/s differed by less than this shared
machine's run-to-run noise; so the shared socket wins on what else it gives: connections
waiting in its queue are not lost when a worker dies or restarts (with SO_REUSEPORT each
worker has its own queue, reset when that worker closes it); a taken port is reported once,
by the parent, before any worker starts; and no other process can join the port.

The parent restarts a worker that exits by itself, after a pause that doubles while it keeps
exiting (`RestartPolicy`, as `up` restarts services); a worker exiting too often is a crash
loop, and the parent then stops them all and exits 1, for its own supervisor (`up`,
Kubernetes) to see. SIGTERM and SIGINT are forwarded to every worker, which drains (SIGTERM)
or stops (SIGINT) as `serve.py` says, a second one stopping it at once; the parent exits when
all have stopped. Workers are in a process group of their own, so a signal to the parent's
group (Ctrl-C in a terminal, `up`'s) reaches each worker once, through the parent; and each
is killed if the parent is (Linux), so none outlives it.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import logging
import os
import select
import signal
import socket
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from tessera.ops.restarts import CrashHistory, RestartPolicy

logger = logging.getLogger("tessera.runtime.workers")

#: The worker count that means one per core this process may run on.
AUTO = "auto"
#: Signals the parent passes on to every worker.
FORWARDED = (signal.SIGTERM, signal.SIGINT)
#: Connections the listening socket queues before refusing more (uvicorn's default).
BACKLOG = 2048
#: Bytes a pipe takes in one write, never interleaved with another process's (POSIX).
PIPE_BUF = 4096
_PR_SET_PDEATHSIG = 1


def available_cores() -> int:
    """Cores this process may run on: its CPU affinity where the OS has one (`taskset`, a
    container's cpuset), else every core."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def parse_count(raw: str) -> int:
    """A worker count from its text: a positive integer, or `auto` for one per core
    (`available_cores`). Raises ValueError saying what is accepted."""
    text = raw.strip().lower()
    if text == AUTO:
        return available_cores()
    if text.isdigit() and int(text) > 0:
        return int(text)
    raise ValueError(f"{raw!r} is not a number of workers: a positive integer or {AUTO!r}")


@dataclass(frozen=True)
class Worker:
    """This process as one of a server's workers."""

    index: int  # 0 to count - 1; a restarted worker keeps the index of the one it replaces
    count: int
    directory: Path  # the server's own private directory, shared by its workers

    def metrics_socket(self, index: int | None = None) -> Path:
        """Where worker `index` (this one by default) answers with its metrics
        (workermetrics.py)."""
        return self.directory / f"{self.index if index is None else index}.sock"


#: This process's place among its server's workers; None in a single-process service.
current: Worker | None = None


def bind(host: str, port: int) -> socket.socket:
    """The listening socket every worker accepts on, bound and listening, so connections
    queue while the workers start."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(BACKLOG)
    return sock


class LineWriter(io.TextIOBase):
    """A worker's stdout: text written in whole lines, at most `PIPE_BUF` bytes a write.

    The workers share their parent's stdout, often a pipe (to `up`, to a container runtime),
    and the access log writes many lines at once (access.py): one write longer than
    `PIPE_BUF` may be cut into by another worker's, leaving broken lines in the log. Writes of
    whole lines within `PIPE_BUF` are never cut into. A line written in parts (`print` writes
    its text, then the line end) waits for its end, or for `flush`.
    """

    def __init__(self, fd: int, encoding: str = "utf-8") -> None:
        super().__init__()
        self.fd = fd
        self._encoding = encoding
        self._partial = b""  # the start of a line whose end has not been written yet

    @property
    def encoding(self) -> str:
        return self._encoding

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def isatty(self) -> bool:
        return os.isatty(self.fd)

    def write(self, text: str) -> int:
        data = self._partial + text.encode(self._encoding, "backslashreplace")
        whole = data.rfind(b"\n") + 1
        if len(data) - whole > PIPE_BUF:  # a line that long cannot stay whole anyway
            whole = len(data)
        self._partial = data[whole:]
        self._send(memoryview(data)[:whole])
        return len(text)

    def flush(self) -> None:
        partial, self._partial = self._partial, b""
        self._send(memoryview(partial))

    def _send(self, data: memoryview) -> None:
        start = 0
        while start < len(data):
            end = len(data)
            if end - start > PIPE_BUF:  # up to the last line end that fits, if any
                end = bytes(data[start : start + PIPE_BUF]).rfind(b"\n") + 1 + start
                if end == start:  # a line longer than PIPE_BUF: it cannot be kept whole
                    end = start + PIPE_BUF
            while start < end:
                start += os.write(self.fd, data[start:end])


def _die_with_parent() -> None:
    """Have the kernel kill this process when its parent dies (Linux; elsewhere a no-op)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class Workers:
    """The parent: starts `count` workers running `serve(sock)`, restarts those that exit by
    themselves, passes the stop signals on, and returns once all have stopped."""

    def __init__(
        self,
        count: int,
        sock: socket.socket,
        serve: Callable[[socket.socket], None],
        *,
        policy: RestartPolicy | None = None,
    ) -> None:
        self.count = count
        self.sock = sock
        self.serve = serve
        self.policy = policy or RestartPolicy()
        self.directory = Path(tempfile.mkdtemp(prefix="tessera-workers-"))  # mode 0700
        self._pids: dict[int, int] = {}  # pid -> index of the running workers
        self._started: dict[int, float] = {}  # index -> when it was last started
        self._due: dict[int, float] = {}  # index -> when it is to be restarted
        self._crashes = {index: CrashHistory(self.policy) for index in range(count)}
        self._stopping = False
        self._code = 0

    def run(self) -> int:
        """Run the workers until they have all stopped; the parent's exit code."""
        wake_read, wake_write = os.pipe()
        os.set_blocking(wake_write, False)
        signal.set_wakeup_fd(wake_write)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)  # wakes the select below
        for signum in FORWARDED:
            signal.signal(signum, self._forward)
        try:
            for index in range(self.count):
                self._start(index)
            while self._pids or self._due:
                wait = min(self._due.values(), default=None)
                timeout = None if wait is None else max(0.0, wait - time.monotonic())
                if select.select([wake_read], [], [], timeout)[0]:
                    os.read(wake_read, 512)
                self._reap()
                for index in [i for i, due in self._due.items() if due <= time.monotonic()]:
                    self._due.pop(index, None)  # a stop signal may have cleared them all
                    self._start(index)
        finally:
            signal.set_wakeup_fd(-1)
            os.close(wake_read)
            os.close(wake_write)
            for path in self.directory.iterdir():
                path.unlink(missing_ok=True)
            self.directory.rmdir()
        return self._code

    def stop(self, signum: int = signal.SIGTERM) -> None:
        """Stop every worker with `signum` and restart none."""
        self._stopping = True
        self._due.clear()
        # The workers' copies close as they stop; with the parent's closed too, a client
        # connecting after that is refused at once rather than queued for no one.
        self.sock.close()
        for pid in self._pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    def _forward(self, signum: int, frame: FrameType | None) -> None:
        if not self._stopping:
            logger.info("stopping workers", extra={"signal": signal.Signals(signum).name})
        self.stop(signum)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            index = self._pids.pop(pid, None)
            if index is None or self._stopping:
                continue
            code = os.waitstatus_to_exitcode(status)
            now = time.monotonic()
            delay = self._crashes[index].exited(now, self._started[index])
            if delay is None:
                logger.error(
                    "worker crash-looping; stopping all",
                    extra={"worker": index, "pid": pid, "code": code},
                )
                self._code = 1
                self.stop()
                continue
            logger.warning(
                "worker exited; restarting it",
                extra={"worker": index, "pid": pid, "code": code, "after_s": delay},
            )
            self._due[index] = now + delay

    def _start(self, index: int) -> None:
        # Stop signals wait until the child has its own handlers, and the parent has the
        # child in _pids to pass them on to.
        signal.pthread_sigmask(signal.SIG_BLOCK, FORWARDED)
        sys.stdout.flush()  # or the child would write what the parent had not yet
        sys.stderr.flush()
        try:
            if self._stopping:  # a stop signal came after this start was due: none now
                return
            pid = os.fork()
            if pid == 0:
                self._become_worker(index)  # never returns
            self._pids[pid] = index
            self._started[index] = time.monotonic()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, FORWARDED)

    def _become_worker(self, index: int) -> None:
        global current
        code = 1
        try:
            os.setpgid(0, 0)
            _die_with_parent()
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, FORWARDED)
            current = Worker(index, self.count, self.directory)
            sys.stdout = LineWriter(sys.stdout.fileno(), sys.stdout.encoding or "utf-8")
            for handler in logging.getLogger().handlers:  # the parent's, until the app's
                if isinstance(handler, logging.StreamHandler) and handler.stream is sys.__stdout__:
                    handler.setStream(sys.stdout)
            self.serve(self.sock)
            code = 0
        except KeyboardInterrupt:
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            traceback.print_exc()
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)


def run(count: int, host: str, port: int, serve: Callable[[socket.socket], None]) -> int:
    """Bind `host:port` and serve it with `count` workers, each running `serve(sock)`;
    the exit code for the whole server."""
    try:
        sock = bind(host, port)
    except OSError as exc:
        logger.error("cannot listen", extra={"host": host, "port": port, "error": str(exc)})
        return 1
    logger.info("starting workers", extra={"workers": count, "port": port})
    with sock:
        return Workers(count, sock, serve).run()
