"""What every benchmark mode needs: the tools (Debian's nginx with the echo module, wrk),
the fragment origin and nginx SSI configuration, the bench shell's environment and command,
processes that are always stopped, and wrk's figures."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from bench.app import SIZED_BODIES, STANDARD_PAGE
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
