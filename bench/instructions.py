"""`python -m bench.instructions`: instructions per composed page, measured with callgrind.

Starts the nginx fragment origin, runs `bench.inprocess` under valgrind's callgrind for N and
3N pages, and prints (I(3N) - I(N)) / 2N: start-up costs cancel out, what is left is the
page. Use it to compare hot-path changes; wall-clock figures on this machine class vary too
much from run to run for small differences.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.__main__ import ensure_tools, free_port, nginx_conf, process, wait_http, write_pages
from tessera.runtime.env import REPO_ROOT


def count(pages: int, env: dict[str, str]) -> int:
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
         sys.executable, "-m", "bench.inprocess", str(pages)],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    return int(re.search(r"Collected : (\d+)", out).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=320, help="N (multiple of 16)")
    parser.add_argument(
        "--cached", action="store_true", help="the page with cacheable fragments (cache hits)"
    )
    args = parser.parse_args()
    ensure_tools(extra=("valgrind",))
    work = Path(tempfile.mkdtemp(prefix="tessera-instructions-"))
    write_pages(work)
    port = free_port()
    (work / "origin.conf").write_text(nginx_conf(work, port, None))
    origin = f"http://127.0.0.1:{port}/f"
    env = {
        **os.environ,
        "BENCH_ORIGIN": origin,
        "DJANGO_SETTINGS_MODULE": "shell.settings",
        "TESSERA_DATA_DIR": str(work / "data"),
        "BENCH_PATH": "/cached/SKU-1" if args.cached else "/fast/SKU-1",
    }
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "manage.py"), "collectstatic", "--noinput", "-v", "0"],
        env=env,
        check=True,
    )
    with contextlib.ExitStack() as stack:
        stack.enter_context(process(["nginx", "-c", str(work / "origin.conf")]))
        wait_http(f"{origin}/header")
        small, large = count(args.pages, env), count(3 * args.pages, env)
    print(f"instructions per page: {(large - small) // (2 * args.pages):,}")


if __name__ == "__main__":
    main()
