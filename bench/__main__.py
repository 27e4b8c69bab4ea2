"""Tessera's page benchmark: `python -m bench [--origin URL] [--duration S]`.

Starts an nginx fragment origin (Debian's nginx with the echo module, for fixed latencies) on
core 1, the shell's page handler under uvicorn pinned to core 0, and measures from core 1:
pages/s with 0 ms fragments (wrk), uncached and with fragments the origin marks cacheable
(the shell's fragment cache then serves them); with 5-80 ms fragments at 8 clients, page by page
(`bench.latency`), composition overhead (page latency minus the slowest fragment's) and
time to first byte after the primary; the shell's RSS; and, in the same run, nginx SSI
composing the same page on core 0. Then, unless `--skip-workers`, the uncached page's pages/s
from a shell of 1 and of 2 worker processes (`--workers`, tessera.runtime.workers), each free
to use both cores, which wrk and the origin on core 1 then share with it. With `--work`, only
the cost against the work instead (bench/work.py). The helpers every mode shares are in
bench/harness.py.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import bench.latency
from bench.app import SLOWEST_MS, STANDARD_PAGE
from bench.harness import (
    ensure_tools,
    free_port,
    median_of,
    nginx_conf,
    percentile,
    process,
    rss_mb,
    shell_command,
    shell_env,
    steal_ticks,
    wait_http,
    write_pages,
    wrk,
)
from bench.work import cost_against_work

#: Worker counts of the shell whose pages/s are compared, on both cores.
WORKER_COUNTS = (1, 2)


def pages_with_workers(
    env: dict[str, str], workers: int, duration: float, repeat: int
) -> list[dict[str, float]]:
    """wrk's runs on the uncached page against a shell of `workers` processes, not pinned:
    free to use both cores, one of which wrk and the origin use too."""
    port = free_port()
    command = [
        sys.executable, "-m", "tessera.runtime.serve", "bench.app:application",
        "--port", str(port), "--workers", str(workers),
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}/fast/SKU-1"
    with process(command, env=env):
        wait_http(url)
        wrk(url, 16, 2)  # warm up every worker's pools
        return [wrk(url, 16, duration) for _ in range(repeat)]


def latency_runs(port: int, duration: float, repeat: int) -> list[dict[str, float]]:
    """Page by page, on the slow page: latency minus the slowest fragment's, first byte minus
    the primary's, from a shell whose slow pages carry their fragments' timings (bench/app.py).
    A shared VM's host takes the vCPUs away for milliseconds at a time ("steal"): a page in
    flight then waits, whatever the shell does. Each run reports how much was taken."""
    overhead = []
    tick = os.sysconf("SC_CLK_TCK")
    for i in range(repeat):
        before, started = steal_ticks(), time.monotonic()
        run = bench.latency.measure(
            "127.0.0.1", port, "/slow/SKU-1", 8, duration, SLOWEST_MS / 8000
        )
        elapsed, after = time.monotonic() - started, steal_ticks()
        stolen = {core: (after[core] - before[core]) / tick / elapsed * 100 for core in (0, 1)}
        overhead.append(
            {
                "p50": percentile([s.overhead_ms for s in run], 50),
                "p99": percentile([s.overhead_ms for s in run], 99),
                "first50": percentile([s.first_byte_after_primary_ms for s in run], 50),
                "first99": percentile([s.first_byte_after_primary_ms for s in run], 99),
                "steal0": stolen[0],
                "steal1": stolen[1],
            }
        )
        print(
            f"latency run {i + 1}: {len(run)} pages, overhead p99 "
            f"{overhead[-1]['p99']:.2f} ms, host steal {stolen[0]:.1f} % of core 0, "
            f"{stolen[1]:.1f} % of core 1",
            flush=True,
        )
    return overhead


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--origin", help="fragment origin base URL (default: start nginx)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per measurement; the median is reported"
    )
    parser.add_argument(
        "--work",
        action="store_true",
        help="only the cost against work: pages of 6-48 fragments and of 2-200 KB fragments",
    )
    parser.add_argument(
        "--skip-workers",
        action="store_true",
        help="skip the pages/s of 1 and 2 shell workers on both cores",
    )
    args = parser.parse_args()
    ensure_tools()

    work = Path(tempfile.mkdtemp(prefix="tessera-bench-"))
    write_pages(work)
    origin_port, ssi_port, shell_port = free_port(), free_port(), free_port()
    (work / "origin.conf").write_text(nginx_conf(work, origin_port, None))
    (work / "ssi.conf").write_text(nginx_conf(work, origin_port, ssi_port))
    origin = args.origin or f"http://127.0.0.1:{origin_port}/f"

    env = shell_env(work, origin)
    shell = shell_command(shell_port)
    base = f"http://127.0.0.1:{shell_port}"
    report: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        if not args.origin:
            stack.enter_context(
                process(["taskset", "-c", "1", "nginx", "-c", str(work / "origin.conf")])
            )
            wait_http(f"{origin}/header")
        server = stack.enter_context(process(shell, env=env))
        wait_http(f"{base}/fast/SKU-1")
        wrk(f"{base}/fast/SKU-1", 16, 2)  # warm up pools and caches

        if args.work:
            report.update(cost_against_work(base, server.pid, args.duration, args.repeat))
        else:
            fast = [wrk(f"{base}/fast/SKU-1", 16, args.duration) for _ in range(args.repeat)]
            errors = sum(run["errors"] for run in fast)
            report["pages/s, 0 ms fragments (shell, 1 core)"] = (
                median_of(fast, "rps", "{:,.0f}") + f"  errors {errors:.0f}"
            )
            wrk(f"{base}/cached/SKU-1", 16, 2)  # fill the fragment cache
            cached = [wrk(f"{base}/cached/SKU-1", 16, args.duration) for _ in range(args.repeat)]
            errors = sum(run["errors"] for run in cached)
            report["pages/s, cacheable fragments (shell, 1 core)"] = (
                median_of(cached, "rps", "{:,.0f}") + f"  errors {errors:.0f}"
            )
            report["shell RSS after those runs"] = f"{rss_mb(server.pid):.0f} MB"
            timed_port = free_port()
            timed_env = {**env, "BENCH_FRAGMENT_TIMINGS": "1"}
            with process(shell_command(timed_port), env=timed_env):
                wait_http(f"http://127.0.0.1:{timed_port}/fast/SKU-1")
                wrk(f"http://127.0.0.1:{timed_port}/slow/SKU-1", 8, 2)  # warm up its pools
                overhead = latency_runs(timed_port, args.duration, args.repeat)
            report["composition overhead p50, 8 clients"] = median_of(overhead, "p50", "{:.2f} ms")
            report["composition overhead p99, 8 clients"] = median_of(overhead, "p99", "{:.2f} ms")
            report["first byte after the primary p50"] = median_of(overhead, "first50", "{:.2f} ms")
            report["first byte after the primary p99"] = median_of(overhead, "first99", "{:.2f} ms")
            report["host steal in those runs, core 0"] = median_of(overhead, "steal0", "{:.1f} %")
            report["host steal in those runs, core 1"] = median_of(overhead, "steal1", "{:.1f} %")

            if not args.origin:
                server_pid = server.pid
                os.killpg(server_pid, signal.SIGSTOP)  # keep core 0 for nginx SSI alone
                try:
                    with process(["taskset", "-c", "0", "nginx", "-c", str(work / "ssi.conf")]):
                        wait_http(f"http://127.0.0.1:{ssi_port}/page")
                        wrk(f"http://127.0.0.1:{ssi_port}/page", 16, 2)
                        ssi = [
                            wrk(f"http://127.0.0.1:{ssi_port}/page", 16, args.duration)
                            for _ in range(args.repeat)
                        ]
                        report["pages/s, 0 ms fragments (nginx SSI, 1 core)"] = median_of(
                            ssi, "rps", "{:,.0f}"
                        )
                        nginx = statistics.median(run["rps"] for run in ssi)
                        for label, runs in (("uncached", fast), ("cacheable", cached)):
                            ratio = statistics.median(run["rps"] for run in runs) / nginx
                            report[f"shell {label} / nginx SSI"] = f"{ratio:.2f}x"
                finally:
                    os.killpg(server_pid, signal.SIGCONT)

            if not args.skip_workers:
                by_workers = {}
                for workers in WORKER_COUNTS:
                    runs = pages_with_workers(env, workers, args.duration, args.repeat)
                    errors = sum(run["errors"] for run in runs)
                    by_workers[workers] = statistics.median(run["rps"] for run in runs)
                    label = "1 worker" if workers == 1 else f"{workers} workers"
                    report[f"pages/s, 0 ms fragments (shell, {label}, 2 cores shared with wrk)"] = (
                        median_of(runs, "rps", "{:,.0f}") + f"  errors {errors:.0f}"
                    )
                ratio = by_workers[2] / by_workers[1]
                report["shell 2 workers / 1 worker, 2 cores"] = f"{ratio:.2f}x"

    width = max(len(k) for k in report)
    print(
        f"\nTessera benchmark — standard page: {len(STANDARD_PAGE)} fragments, 24 KB, "
        f"origin {origin}"
    )
    for key, value in report.items():
        print(f"  {key:<{width}}  {value}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
