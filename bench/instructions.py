"""`python -m bench.instructions`: instructions per composed page, measured with callgrind.

Starts the nginx fragment origin, runs `bench.inprocess` under valgrind's callgrind for N and
3N pages, and prints (I(3N) - I(N)) / 2N: start-up costs cancel out, what is left is the
page. Use it to compare hot-path changes; wall-clock figures on this machine class vary too
much from run to run for small differences. `--work` measures pages of 6 to 48 fragments and
of 2 to 200 KB fragments, and prints what one more fragment and one more KB cost: a cost
that grows linearly with the work shows as figures that fit the slope. `--server` counts
what the in-process figures leave out: the server and the service envelope, per request of a
stand-in service answering the page's 24 KB at once (bench/standin.py), over keep-alive
connections.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.app import FAN_OUT, SIZED_BODIES
from bench.fit import slope
from bench.harness import (
    ensure_tools,
    free_port,
    nginx_conf,
    process,
    shell_env,
    wait_http,
    write_pages,
)
from bench.standin import drive
from tessera.runtime.env import REPO_ROOT

CALLGRIND = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]


def _collected(stderr: str) -> int:
    return int(re.search(r"Collected : (\d+)", stderr).group(1))


def count(pages: int, env: dict[str, str]) -> int:
    out = subprocess.run(
        [*CALLGRIND, sys.executable, "-m", "bench.inprocess", str(pages)],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    return _collected(out)


def count_served(requests: int) -> int:
    """Instructions of the stand-in service (bench/standin.py) answering `requests`."""
    port = free_port()
    with subprocess.Popen(
        [*CALLGRIND, sys.executable, "-m", "bench.standin", str(requests), str(port)],
        cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    ) as server:  # fmt: skip
        wait_http(f"http://127.0.0.1:{port}/", timeout=120)
        drive(port, requests - 1)  # wait_http's request was the first
        return _collected(server.communicate(timeout=300)[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=320, help="N (multiple of 16)")
    parser.add_argument(
        "--cached", action="store_true", help="the page with cacheable fragments (cache hits)"
    )
    parser.add_argument(
        "--work",
        action="store_true",
        help="cost against work: pages of 6-48 fragments and of 2-200 KB fragments, one at "
        "a time (N=64)",
    )
    parser.add_argument(
        "--server",
        action="store_true",
        help="the server and the service envelope alone: per request of a stand-in app "
        "answering 24 KB at once (bench/standin.py)",
    )
    args = parser.parse_args()
    ensure_tools(extra=("valgrind",))
    if args.server:
        n = args.pages * 3
        per_request = (count_served(3 * n) - count_served(n)) // (2 * n)
        print(f"instructions per request (server and envelope): {per_request:,}")
        return
    work = Path(tempfile.mkdtemp(prefix="tessera-instructions-"))
    write_pages(work)
    port = free_port()
    (work / "origin.conf").write_text(nginx_conf(work, port, None))
    origin = f"http://127.0.0.1:{port}/f"
    env = shell_env(work, origin)

    def per_page(path: str, pages: int, concurrency: int = 16) -> int:
        measured = {**env, "BENCH_PATH": path, "BENCH_CONCURRENCY": str(concurrency)}
        return (count(3 * pages, measured) - count(pages, measured)) // (2 * pages)

    with contextlib.ExitStack() as stack:
        stack.enter_context(process(["nginx", "-c", str(work / "origin.conf")]))
        wait_http(f"{origin}/header")
        if not args.work:
            path = "/cached/SKU-1" if args.cached else "/fast/SKU-1"
            print(f"instructions per page: {per_page(path, args.pages):,}")
            return
        # One page at a time: 16 pages of 48 fragments from one origin would pass its pool
        # (64 connections) and bulkhead (100 in flight), and measure their refusals.
        pages = 64 if args.pages == 320 else args.pages
        fan_out = {n: per_page(f"/fan{n}/SKU-1", pages, 1) for n in FAN_OUT}
        sized = {kb: per_page(f"/size-{body}/SKU-1", pages, 1) for body, kb in SIZED_BODIES.items()}
    for n, instructions in fan_out.items():
        print(f"{n:>3} fragments of 2-6 KB: {instructions:>12,} instructions per page")
    for kb, instructions in sized.items():
        print(f"  6 fragments of {kb:>3} KB: {instructions:>12,} instructions per page")
    print(f"per extra fragment: {slope(fan_out):,.0f} instructions")
    print(f"per extra KB of fragment body: {slope(sized) / 6:,.0f} instructions")


if __name__ == "__main__":
    main()
