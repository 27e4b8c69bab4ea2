"""Tessera's page benchmark: `python -m bench [--origin URL] [--duration S]`.

Starts an nginx fragment origin (Debian's nginx with the echo module, for fixed latencies) on
core 1, the shell's page handler under uvicorn pinned to core 0, and measures from core 1:
pages/s with 0 ms fragments (wrk), uncached and with fragments the origin marks cacheable
(the shell's fragment cache then serves them); with 5-80 ms fragments at 8 clients, page by page
(`bench.latency`), composition overhead (page latency minus the slowest fragment's) and
time to first byte after the primary; the shell's RSS; and, in the same run, nginx SSI
composing the same page on core 0. Then, unless `--skip-workers`, the uncached page's pages/s
from a shell of 1 and of 2 worker processes (`--workers`, tessera.runtime.workers), each free
to use both cores, which wrk and the origin on core 1 then share with it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import bench.latency
from bench.app import SIZED_BODIES, SLOWEST_MS, STANDARD_PAGE
from tessera.runtime.env import REPO_ROOT

NGINX_ECHO = "/usr/lib/nginx/modules/ngx_http_echo_module.so"
DEBIAN_PACKAGES = ("nginx-light", "libnginx-mod-http-echo", "wrk")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ensure_tools(extra: tuple[str, ...] = ()) -> None:
    """Install the benchmark's tools from Debian's packages when missing."""
    tools = ("nginx", "wrk", *extra)
    if all(shutil.which(t) for t in tools) and Path(NGINX_ECHO).exists():
        return
    packages = (*DEBIAN_PACKAGES, *extra)
    print("installing", " ".join(packages), "from Debian's packages")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", *packages],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def write_pages(work: Path) -> None:
    """The standard page's fragment bodies for the origin, and the page for nginx SSI."""
    (work / "html").mkdir()
    (work / "ssi").mkdir()
    sizes = {name: size for name, (size, _) in STANDARD_PAGE.items()}
    sizes.update({name: kb * 1024 for name, kb in SIZED_BODIES.items()})
    for name, size in sizes.items():
        opening, closing = f'<section class="{name}"><h2>{name}</h2><p>', "</p></section>"
        filler = ("lorem ipsum dolor sit amet " * (size // 20))[
            : size - len(opening) - len(closing)
        ]
        (work / "html" / f"{name}.html").write_text(opening + filler + closing)
    (work / "ssi" / "page.html").write_text(
        "<!doctype html><html><head><title>SSI</title></head><body>"
        + "".join(f'<!--# include virtual="/f/{name}?delay=0" -->' for name in STANDARD_PAGE)
        + "</body></html>"
    )


def nginx_conf(work: Path, origin_port: int, ssi_port: int | None) -> str:
    """An origin server (fragments with ?delay=, cacheable with ?cache=) and optionally an SSI
    server composing the page."""
    common = f"""
worker_processes 1;
daemon off;
pid {work}/nginx-{origin_port if ssi_port is None else ssi_port}.pid;
error_log {work}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {work}; proxy_temp_path {work}; fastcgi_temp_path {work};
  uwsgi_temp_path {work}; scgi_temp_path {work};
  keepalive_requests 1000000;
"""
    if ssi_port is None:
        return f"""load_module {NGINX_ECHO};
{common}
  map $cache $cache_control {{ "" ""; default "public, max-age=$cache"; }}
  server {{
    listen 127.0.0.1:{origin_port} backlog=4096;
    default_type "text/html; charset=utf-8";
    add_header Link "</assets/$name.css>; rel=\\"stylesheet\\"" always;
    add_header Cache-Control $cache_control always;
    location /body/ {{ internal; alias {work}/html/; }}
    location ~ ^/f/(?<name>[a-z]+)$ {{
      set $cache $arg_cache;  # the query is gone after echo_exec's internal redirect
      echo_sleep $arg_delay;
      echo_exec /body/$name.html;
    }}
  }}
}}
"""
    return f"""{common}
  upstream origin {{ server 127.0.0.1:{origin_port}; keepalive 64; }}
  server {{
    listen 127.0.0.1:{ssi_port} backlog=4096;
    default_type "text/html; charset=utf-8";
    location /f/ {{
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }}
    location / {{ root {work}/ssi; ssi on; try_files /page.html =404; }}
  }}
}}
"""


@contextlib.contextmanager
def process(command: list[str], *, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_http(url: str, timeout: float = 30) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.1)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


def wrk(url: str, connections: int, duration: float) -> dict[str, float]:
    """Run wrk on core 1 and return requests/s, errors and latency percentiles (ms)."""
    out = subprocess.run(
        [
            "taskset",
            "-c",
            "1",
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{round(duration)}s",
            "--latency",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": float(re.search(r"(\d+) requests in", out).group(1)),
    }
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    result["errors"] = float(errors.group(1)) if errors else 0.0
    if socket_errors:
        result["errors"] += sum(float(n) for n in socket_errors.groups())
    for pct in ("50", "99"):
        value, unit = re.search(rf"{pct}%\s+([\d.]+)(us|ms|s)", out).groups()
        result[f"p{pct}"] = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return result


def median_of(runs: list[dict[str, float]], key: str, fmt: str) -> str:
    """`median (min-max of N runs)`: this VM's wall-clock figures vary from run to run."""
    values = sorted(run[key] for run in runs)
    text = fmt.format(statistics.median(values))
    if len(values) > 1:
        text += f"  ({fmt.format(values[0])} - {fmt.format(values[-1])}, {len(values)} runs)"
    return text


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def steal_ticks() -> dict[int, int]:
    """Per core, the clock ticks the hypervisor ran something else while we wanted to run."""
    ticks = {}
    for line in Path("/proc/stat").read_text().splitlines():
        name, *fields = line.split()
        if name.startswith("cpu") and name != "cpu" and len(fields) >= 8:
            ticks[int(name[3:])] = int(fields[7])
    return ticks


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


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


def shell_env(work: Path, origin: str) -> dict[str, str]:
    """The environment of a bench shell composing from `origin`, its data in `work`; its
    static files collected, as the shell's are before it starts."""
    env = {
        **os.environ,
        "TESSERA_DATA_DIR": str(work / "data"),
        "DJANGO_SETTINGS_MODULE": "shell.settings",
        "BENCH_ORIGIN": origin,
    }
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "manage.py"), "collectstatic", "--noinput", "-v", "0"],
        env=env,
        check=True,
    )
    return env


def shell_command(port: int) -> list[str]:
    """The bench shell on core 0, run as the shell runs in production: uvicorn under
    tessera.runtime.serve."""
    return [
        "taskset", "-c", "0", sys.executable, "-m", "tessera.runtime.serve",
        "bench.app:application", "--port", str(port),
    ]  # fmt: skip


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
            from bench.work import cost_against_work  # it imports wrk(): not at the top

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
            # Page by page: latency minus the slowest fragment's, first byte minus the primary's.
            # A shared VM's host takes the vCPUs away for milliseconds at a time ("steal"): a page
            # in flight then waits, whatever the shell does. Each run reports how much was taken.
            overhead = []
            tick = os.sysconf("SC_CLK_TCK")
            for i in range(args.repeat):
                before, started = steal_ticks(), time.monotonic()
                run = bench.latency.measure(
                    "127.0.0.1", shell_port, "/slow/SKU-1", 8, args.duration, SLOWEST_MS / 8000
                )
                elapsed, after = time.monotonic() - started, steal_ticks()
                stolen = {
                    core: (after[core] - before[core]) / tick / elapsed * 100 for core in (0, 1)
                }
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
            report["composition overhead p50, 8 clients"] = median_of(overhead, "p50", "{:.2f} ms")
            report["composition overhead p99, 8 clients"] = median_of(overhead, "p99", "{:.2f} ms")
            report["first byte after the primary p50"] = median_of(overhead, "first50", "{:.2f} ms")
            report["first byte after the primary p99"] = median_of(overhead, "first99", "{:.2f} ms")
            report["host steal in those runs, core 0"] = median_of(overhead, "steal0", "{:.1f} %")
            report["host steal in those runs, core 1"] = median_of(overhead, "steal1", "{:.1f} %")
            report["shell RSS"] = f"{rss_mb(server.pid):.0f} MB"

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
