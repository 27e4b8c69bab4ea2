"""Tessera's soak: `python -m bench.soak [--minutes 10] [--interval 30]`.

Sets up as `python -m bench` does (an nginx fragment origin on core 1, the shell's page
handler under `tessera.runtime.serve` pinned to core 0, the load from core 1) and holds one
steady load for the whole run: wrk at a fixed concurrency requesting a fixed mix of the
standard page's variants (uncached `/fast/`, cacheable `/cached/`, slow `/slow/`) over many
SKUs, and beside it what a real shell also sees: idle keep-alive connections that send a page
request now and then, connections that open for one page and close, visitors who leave while
their slow page is being composed, and connections that open and never send anything.

Every `--interval` seconds it prints the shell's RSS (`/proc/PID/status`), its open file
descriptors (`/proc/PID/fd`), its TCP connections by kind (`/proc/PID/net/tcp`, matched to
the process's socket inodes: established inbound, established to the origin, any other state
the process still holds such as CLOSE_WAIT; and the TIME_WAIT sockets left on the shell's
side, which no process owns, by their ports), and the pages served and errors in the
interval. At the end: each series' least-squares slope per minute over the samples after a
warm-up (the fragment cache and the connection pools filling), and a verdict per series,
"flat" or "GROWS"; the exit status is 1 when anything grows or the RSS ends above the goal
(64 MB), so the soak can gate a change by hand or in CI.

The shell runs bench.app's page handler, whose fragments carry the SKU in their query, as a
real product page's do: the fragment cache holds an entry per SKU and fragment, and its LRU
evicts (`--cache-mb`, 8 MB by default, is less than the SKUs' fragments take).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import math
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

#: The goal for the shell's RSS under the soak (issue 18).
RSS_GOAL_MB = 64.0
#: A growth this fast or faster is a leak (see `THRESHOLDS`).
RSS_SLOPE_MB_PER_MIN = 0.5
COUNT_SLOPE_PER_MIN = 1.0
#: A slope must also exceed this many standard errors of its fit: the noise of a flat series
#: (in-flight connections come and go) must not read as growth.
SIGNIFICANCE = 3.0
#: wrk's mix of the standard page's variants, in percent.
MIX = {"fast": 60, "cached": 30, "slow": 10}

#: /proc/net/tcp's state codes.
TCP_STATES = {
    1: "ESTABLISHED",
    2: "SYN_SENT",
    3: "SYN_RECV",
    4: "FIN_WAIT1",
    5: "FIN_WAIT2",
    6: "TIME_WAIT",
    7: "CLOSE",
    8: "CLOSE_WAIT",
    9: "LAST_ACK",
    10: "LISTEN",
    11: "CLOSING",
}


# --- what is measured: /proc -------------------------------------------------------------


class TcpSocket(NamedTuple):
    """One row of /proc/net/tcp: ports, state, and the socket's inode (0 when no process
    holds it, as for TIME_WAIT)."""

    local_port: int
    remote_port: int
    state: str
    inode: int


def parse_proc_net_tcp(text: str) -> list[TcpSocket]:
    """The sockets of a /proc/net/tcp or tcp6 table (its header line skipped)."""
    sockets = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10:
            continue
        local, remote, state = fields[1], fields[2], int(fields[3], 16)
        sockets.append(
            TcpSocket(
                int(local.rsplit(":", 1)[1], 16),
                int(remote.rsplit(":", 1)[1], 16),
                TCP_STATES.get(state, f"state-{state:02X}"),
                int(fields[9]),
            )
        )
    return sockets


def socket_inodes(fd_targets: Iterable[str]) -> set[int]:
    """The inodes of the sockets among a process's fd link targets (`socket:[123]`)."""
    return {
        int(target[len("socket:[") : -1])
        for target in fd_targets
        if target.startswith("socket:[") and target.endswith("]")
    }


class Connections(NamedTuple):
    """The shell's TCP connections by kind."""

    inbound: int  # established, to the shell's port
    outbound: int  # established, from the shell to the origin
    other: int  # held by the shell in any other state but LISTEN (CLOSE_WAIT, FIN_WAIT...)
    time_wait: int  # TIME_WAIT on the shell's side: the shell closed first; no owner
    other_states: tuple[tuple[str, int], ...] = ()  # `other`, by state


def classify(
    sockets: Iterable[TcpSocket], inodes: set[int], shell_port: int, origin_port: int
) -> Connections:
    """The shell's connections among all of the network namespace's `sockets`.

    Sockets the process holds are known by inode. A TIME_WAIT socket has none (no process
    holds it), so it is the shell's by its ports: its local port is the shell's (an inbound
    connection the shell closed) or its remote port the origin's (an outbound one); a
    client's side of a connection to the shell has the shell's port as its remote port and
    is not counted.
    """
    inbound = outbound = 0
    others: Counter[str] = Counter()
    time_wait = 0
    for sock in sockets:
        if sock.inode and sock.inode in inodes:
            if sock.state == "LISTEN":
                continue
            if sock.state == "ESTABLISHED" and sock.local_port == shell_port:
                inbound += 1
            elif sock.state == "ESTABLISHED" and sock.remote_port == origin_port:
                outbound += 1
            else:
                others[sock.state] += 1
        elif sock.state == "TIME_WAIT" and (
            sock.local_port == shell_port
            or (sock.remote_port == origin_port and sock.local_port != origin_port)
        ):
            time_wait += 1
    return Connections(
        inbound, outbound, sum(others.values()), time_wait, tuple(sorted(others.items()))
    )


def rss_mb_from_status(text: str) -> float:
    """VmRSS of a /proc/PID/status text, in MB."""
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ValueError("no VmRSS in the status")


class Sample(NamedTuple):
    """The shell at one moment."""

    rss_mb: float
    fds: int
    connections: Connections


def sample_process(pid: int, shell_port: int, origin_port: int) -> Sample:
    """Read the shell's RSS, fds and connections from /proc."""
    proc = Path(f"/proc/{pid}")
    targets = []
    for fd in os.listdir(proc / "fd"):
        with contextlib.suppress(FileNotFoundError):  # closed while we looked
            targets.append(os.readlink(proc / "fd" / fd))
    sockets = []
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(FileNotFoundError):
            sockets += parse_proc_net_tcp((proc / "net" / table).read_text())
    return Sample(
        rss_mb_from_status((proc / "status").read_text()),
        len(targets),
        classify(sockets, socket_inodes(targets), shell_port, origin_port),
    )


# --- the verdict -------------------------------------------------------------------------


def least_squares(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float]:
    """The slope of the least-squares line through the points, and its standard error
    (0 with fewer than three points, where the fit has no residual to estimate it)."""
    n = len(xs)
    if n < 2 or n != len(ys):
        raise ValueError("a slope needs two points or more, as many x as y")
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        raise ValueError("a slope needs two different x")
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    if n < 3:
        return slope, 0.0
    intercept = mean_y - slope * mean_x
    residual = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys, strict=True))
    return slope, math.sqrt(residual / (n - 2) / sxx)


@dataclasses.dataclass(frozen=True)
class Verdict:
    """One series' slope after the warm-up and whether it grows."""

    name: str
    unit: str
    slope: float  # per minute
    stderr: float
    max_slope: float
    final: float
    ceiling: float | None  # a goal the last sample must not exceed
    verdict: str  # "flat", "GROWS" or "OVER GOAL"

    @property
    def fails(self) -> bool:
        return self.verdict != "flat"


def judge(
    name: str,
    unit: str,
    minutes: Sequence[float],
    values: Sequence[float],
    *,
    warm_up: int,
    max_slope: float,
    ceiling: float | None = None,
) -> Verdict:
    """Whether a series grows, from its samples after the first `warm_up`.

    It GROWS when its slope is above `max_slope` per minute and above `SIGNIFICANCE`
    standard errors (a flat series' noise then does not count); it is OVER GOAL when flat
    but its last value is above `ceiling`.
    """
    xs, ys = minutes[warm_up:], values[warm_up:]
    slope, stderr = least_squares(xs, ys)
    if slope > max_slope and slope > SIGNIFICANCE * stderr:
        verdict = "GROWS"
    elif ceiling is not None and ys[-1] > ceiling:
        verdict = "OVER GOAL"
    else:
        verdict = "flat"
    return Verdict(name, unit, slope, stderr, max_slope, ys[-1], ceiling, verdict)


# --- the load ----------------------------------------------------------------------------

WRK_SCRIPT = """-- bench.soak's steady load: the standard page's variants over many SKUs.
local pages, errors, last = 0, 0, 0
math.randomseed({seed})

function request()
  local r = math.random(100)
  local speed = "slow"
  if r <= {fast} then speed = "fast" elseif r <= {fast_cached} then speed = "cached" end
  return wrk.format("GET", "/" .. speed .. "/SKU-" .. math.random({skus}))
end

-- Pages and error statuses so far, written once a second for the soak to read.
function response(status, headers, body)
  pages = pages + 1
  if status > 399 then errors = errors + 1 end
  local now = os.time()
  if now ~= last then
    last = now
    local f = io.open("{counts}.tmp", "w")
    f:write(pages, " ", errors, "\\n")
    f:close()
    os.rename("{counts}.tmp", "{counts}")
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local f = io.open("{counts}.done", "w")
  f:write(summary.requests, " ", e.connect, " ", e.read, " ", e.write, " ", e.status, " ",
          e.timeout, "\\n")
  f:close()
end
"""


def wrk_script(counts: Path, skus: int, seed: int) -> str:
    """wrk's Lua script: a path per request from `MIX` and `skus` SKUs; counts to `counts`."""
    return WRK_SCRIPT.format(
        seed=seed,
        fast=MIX["fast"],
        fast_cached=MIX["fast"] + MIX["cached"],
        skus=skus,
        counts=counts,
    )


def read_counts(path: Path) -> tuple[int, int]:
    """wrk's pages and error statuses so far (0, 0 before its first write)."""
    with contextlib.suppress(FileNotFoundError, ValueError):
        pages, errors = path.read_text().split()
        return int(pages), int(errors)
    return 0, 0


class SideTraffic:
    """What a shell sees besides busy keep-alive clients, at fixed rates, on its own thread:

    - `idle` keep-alive connections, each asking for a page every 2-4 s (the shell closes a
      connection idle for 5 s) and idle in between;
    - `churn` connections a second that open, ask for a cacheable page with
      `Connection: close` and close (the shell closes first: TIME_WAIT on its side);
    - `aborts` a second that ask for a slow page and leave 10 ms later, mid-page;
    - `silent` connections that open and send nothing until the shell closes them (after its
      head timeout), then open again.
    """

    def __init__(
        self, port: int, skus: int, idle: int = 32, churn: float = 10, aborts: float = 2,
        silent: int = 4,
    ) -> None:  # fmt: skip
        self.port, self.skus = port, skus
        self.idle, self.churn, self.aborts, self.silent = idle, churn, aborts, silent
        self.pages = self.errors = self.aborted = self.silent_closed = 0
        self.last_error = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _path(self, speed: str) -> str:
        return f"/{speed}/SKU-{random.randint(1, self.skus)}"

    def _failed(self, error: BaseException | str) -> None:
        self.errors += 1
        self.last_error = str(error) or type(error).__name__

    async def _page(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, close: bool
    ) -> None:
        from bench.latency import _body

        connection = "Connection: close\r\n" if close else ""
        writer.write(f"GET {path} HTTP/1.1\r\nHost: soak\r\n{connection}\r\n".encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        await asyncio.wait_for(_body(reader, head), 10)
        if head.startswith(b"HTTP/1.1 200"):
            self.pages += 1
        else:
            self._failed(head.split(b"\r\n", 1)[0].decode())

    async def _idle_client(self, delay: float) -> None:
        await asyncio.sleep(delay)
        writer = None
        while not self._stop.is_set():
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                await self._page(reader, writer, self._path("fast"), close=False)
                await asyncio.sleep(random.uniform(2, 4))
            except (OSError, asyncio.IncompleteReadError, TimeoutError) as error:
                self._failed(error)
                if writer is not None:
                    writer.close()
                writer = None
                await asyncio.sleep(1)
        if writer is not None:
            writer.close()

    async def _once(self, kind: str) -> None:
        writer = None
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            if kind == "churn":
                await self._page(reader, writer, self._path("cached"), close=True)
                if await asyncio.wait_for(reader.read(1), 10):
                    self._failed("data after a Connection: close response")
            else:
                writer.write(f"GET {self._path('slow')} HTTP/1.1\r\nHost: soak\r\n\r\n".encode())
                await asyncio.sleep(0.01)
                self.aborted += 1
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as error:
            self._failed(error)
        finally:
            if writer is not None:
                writer.close()

    async def _paced(self, kind: str, per_second: float) -> None:
        tasks: set[asyncio.Task] = set()
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while not self._stop.is_set():
            task = loop.create_task(self._once(kind))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            next_at += 1 / per_second
            await asyncio.sleep(max(0.0, next_at - loop.time()))
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _silent_client(self, delay: float) -> None:
        await asyncio.sleep(delay)
        while not self._stop.is_set():
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                try:
                    while not self._stop.is_set():  # until the shell closes it
                        with contextlib.suppress(TimeoutError):
                            if not await asyncio.wait_for(reader.read(1024), 1):
                                self.silent_closed += 1
                                break
                finally:
                    writer.close()
            except OSError as error:
                self._failed(error)
                await asyncio.sleep(1)

    async def _run(self) -> None:
        await asyncio.gather(
            *(self._idle_client(i * 3 / self.idle) for i in range(self.idle)),
            *(self._silent_client(i * 2.5) for i in range(self.silent)),
            self._paced("churn", self.churn),
            self._paced("abort", self.aborts),
        )


# --- the run -----------------------------------------------------------------------------


def _drain(stream: Any, tail: deque[str]) -> None:
    """Keep reading a child's stderr (a full pipe would stop the child), its last lines kept."""
    for line in iter(stream.readline, b""):
        tail.append(line.decode(errors="replace").rstrip())


def _format_line(elapsed: float, sample: Sample, pages: int, errors: int, interval: float) -> str:
    conns = sample.connections
    states = " ".join(f"{state}={n}" for state, n in conns.other_states)
    return (
        f"{int(elapsed) // 60:3d}:{int(elapsed) % 60:02d}  {sample.rss_mb:7.1f}  {sample.fds:5d}"
        f"  {conns.inbound:4d}  {conns.outbound:4d}  {conns.other:5d}  {conns.time_wait:5d}"
        f"  {pages:8,d}  {pages / interval:7,.0f}  {errors:6d}  {states}"
    )


def report(
    minutes: Sequence[float], samples: Sequence[Sample], warm_up: int, pages_per_min: float
) -> list[Verdict]:
    """Print each series' slope and verdict; return the verdicts."""
    series = [
        ("RSS", "MB", [s.rss_mb for s in samples], RSS_SLOPE_MB_PER_MIN, RSS_GOAL_MB),
        ("open fds", "", [s.fds for s in samples], COUNT_SLOPE_PER_MIN, None),
        ("conns inbound", "", [s.connections.inbound for s in samples], COUNT_SLOPE_PER_MIN, None),
        ("conns to origin", "", [s.connections.outbound for s in samples], COUNT_SLOPE_PER_MIN,
         None),
        ("conns other states", "", [s.connections.other for s in samples], COUNT_SLOPE_PER_MIN,
         None),
        ("TIME_WAIT", "", [s.connections.time_wait for s in samples], COUNT_SLOPE_PER_MIN, None),
    ]  # fmt: skip
    print(
        f"\nslopes per minute, least squares over the {len(samples) - warm_up} samples after "
        f"the first {warm_up} (the warm-up: the fragment cache and the connection pools fill,\n"
        "TIME_WAIT sockets reach their level after the 60 s they last); "
        f"GROWS: slope above the threshold and above {SIGNIFICANCE:.0f} standard errors of "
        "the fit"
    )
    verdicts = []
    for name, unit, values, max_slope, ceiling in series:
        v = judge(name, unit, minutes, values, warm_up=warm_up, max_slope=max_slope,
                  ceiling=ceiling)  # fmt: skip
        verdicts.append(v)
        goal = f", goal <= {ceiling:.0f} {unit}" if ceiling is not None else ""
        per_page = ""
        if unit == "MB" and pages_per_min:
            per_page = f" ({v.slope * 2**20 / pages_per_min:+.1f} bytes a page)"
        print(
            f"  {name:<19} {v.slope:+8.3f} {unit or '/min':<3}{'/min' if unit else '':<4}"
            f" ± {v.stderr:.3f}{per_page}  threshold {max_slope:g}/min{goal}; "
            f"last {v.final:.1f}  -> {v.verdict}"
        )
    return verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the run")
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between samples")
    parser.add_argument(
        "--warm-up", type=float, default=60.0,
        help="seconds whose samples the slopes leave out (TIME_WAIT lasts 60 s)",
    )  # fmt: skip
    parser.add_argument(
        "--connections", type=int, default=12,
        help="wrk's connections (x 6 fragments: under the shell's cap of 100 requests in "
        "flight to one origin, which all fragments share here)",
    )  # fmt: skip
    parser.add_argument("--skus", type=int, default=1000, help="SKUs the load spreads over")
    parser.add_argument(
        "--cache-mb", type=float, default=8.0,
        help="the shell's fragment cache (TESSERA_CACHE_BYTES; 0: off; the shell's default: 64)",
    )  # fmt: skip
    args = parser.parse_args()
    samples_wanted = int(args.minutes * 60 // args.interval)
    #: Samples in the warm-up (a sample is due every interval; a little late is still in it).
    warm_up = int(args.warm_up // args.interval)
    if samples_wanted < warm_up + 3:
        parser.error("the run needs at least 3 samples after the warm-up")

    # The bench's helpers import the bench's page handler (Django): only when running.
    from bench.harness import (
        ensure_tools,
        free_port,
        nginx_conf,
        process,
        shell_command,
        shell_env,
        wait_http,
        write_pages,
    )

    ensure_tools()
    os.sched_setaffinity(0, {1})  # the side traffic and the sampling: with wrk, off core 0
    work = Path(tempfile.mkdtemp(prefix="tessera-soak-"))
    write_pages(work)
    origin_port, shell_port = free_port(), free_port()
    (work / "origin.conf").write_text(nginx_conf(work, origin_port, None))
    origin = f"http://127.0.0.1:{origin_port}/f"
    counts = work / "wrk-counts"
    (work / "soak.lua").write_text(wrk_script(counts, args.skus, seed=18))
    env = shell_env(work, origin)
    env["TESSERA_CACHE_BYTES"] = str(int(args.cache_mb * 2**20))
    shell = shell_command(shell_port)
    base = f"http://127.0.0.1:{shell_port}"
    seconds = samples_wanted * args.interval
    wrk = [
        "taskset", "-c", "1", "wrk", "-t1", f"-c{args.connections}", f"-d{math.ceil(seconds) + 2}s",
        "--timeout", "5s", "-s", str(work / "soak.lua"), base,
    ]  # fmt: skip
    minutes: list[float] = []
    samples: list[Sample] = []
    pages_total = 0
    stderr_tail: deque[str] = deque(maxlen=20)
    side = SideTraffic(shell_port, args.skus)
    interrupted = False
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(
                process(["taskset", "-c", "1", "nginx", "-c", str(work / "origin.conf")])
            )
            wait_http(f"{origin}/header")
            server = stack.enter_context(process(shell, env=env))
            threading.Thread(target=_drain, args=(server.stderr, stderr_tail), daemon=True).start()
            wait_http(f"{base}/fast/SKU-1")
            idle = sample_process(server.pid, shell_port, origin_port)
            print(
                f"Tessera soak: {args.minutes:g} min, a sample every {args.interval:g} s; shell "
                "bench.app:application on core 0, fragment cache "
                f"{f'{args.cache_mb:g} MB' if args.cache_mb else 'off'}, "
                f"origin {origin}\nload: wrk, {args.connections} connections, pages "
                + ", ".join(f"{share} % /{speed}/" for speed, share in MIX.items())
                + f" over SKU-1..{args.skus}; beside it {side.idle} idle keep-alive "
                f"connections (a /fast/ page every 2-4 s), {side.churn:g}/s one-page "
                f"connections (/cached/, Connection: close), {side.aborts:g}/s visitors leaving "
                f"a /slow/ page after 10 ms, {side.silent} connections sending nothing\n"
                f"idle shell before the load: RSS {idle.rss_mb:.1f} MB, {idle.fds} fds\n\n"
                "   time   RSS MB    fds    in   out  other  TIME_W     pages  pages/s  errors"
                "  other states",
                flush=True,
            )
            load = stack.enter_context(process(wrk))
            side.start()
            stack.callback(side.stop)
            started = time.monotonic()
            seen_pages = seen_errors = 0
            for k in range(1, samples_wanted + 1):
                time.sleep(max(0.0, started + k * args.interval - time.monotonic()))
                if server.poll() is not None or load.poll() is not None:
                    which = "the shell" if server.poll() is not None else "wrk"
                    tail = "\n".join(stderr_tail)
                    raise SystemExit(f"{which} stopped during the soak\n{tail}")
                sample = sample_process(server.pid, shell_port, origin_port)
                wrk_pages, wrk_errors = read_counts(counts)
                pages, errors = wrk_pages + side.pages, wrk_errors + side.errors
                elapsed = time.monotonic() - started
                minutes.append(elapsed / 60)
                samples.append(sample)
                print(
                    _format_line(
                        elapsed, sample, pages - seen_pages, errors - seen_errors, args.interval
                    ),
                    flush=True,
                )
                seen_pages, seen_errors, pages_total = pages, errors, pages
            load.wait(15)  # wrk's summary, written when its duration ends
        except KeyboardInterrupt:
            interrupted = True
            print(f"\ninterrupted after {len(samples)} samples")

    done = (work / "wrk-counts.done").read_text().split() if not interrupted else []
    if done:
        requests, connect, read, write, status, timeout = (int(n) for n in done)
        print(
            f"\nwrk: {requests:,} pages; errors: connect {connect}, read {read}, write {write}, "
            f"status {status}, timeout {timeout}"
        )
    print(
        f"side traffic: {side.pages:,} pages, {side.errors} errors"
        + (f" (last: {side.last_error})" if side.errors else "")
        + f", {side.aborted:,} visitors left mid-page, {side.silent_closed} silent connections "
        "closed by the shell"
    )
    if len(samples) < warm_up + 3:
        sys.exit(130 if interrupted else 1)
    pages_per_min = pages_total / minutes[-1] if minutes else 0.0
    verdicts = report(minutes, samples, warm_up, pages_per_min)
    socket_errors = sum(int(n) for n in done[1:4]) + int(done[5]) if done else 0
    failed = [v.name for v in verdicts if v.fails]
    if failed:
        print(f"\nFAIL: {', '.join(failed)}")
    else:
        print("\nall flat" + (f"; but {socket_errors} wrk socket errors" if socket_errors else ""))
    shutil.rmtree(work, ignore_errors=True)
    sys.exit(130 if interrupted else 1 if failed else 0)


if __name__ == "__main__":
    main()
