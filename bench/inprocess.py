"""Compose the standard page in-process, N times, against a fragment origin.

`python -m bench.instructions` runs this under callgrind twice (N and 3N pages) and reports
the difference per page: user-space instructions per page, a figure that, unlike wall-clock
throughput on a shared VM, does not move between runs. No server or load generator is
involved, only the page handler and its fetches.
"""

from __future__ import annotations

import asyncio
import os
import sys

#: Pages composed at once (`BENCH_CONCURRENCY`): 16, as `python -m bench` loads the shell.
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))
#: The page composed: the standard page uncached; `BENCH_PATH=/cached/SKU-1` for cache hits.
PATH = os.environ.get("BENCH_PATH", "/fast/SKU-1")


async def compose(application, pages: int) -> None:
    async def one() -> None:
        scope = {
            "type": "http",
            "method": "GET",
            "path": PATH,
            "raw_path": PATH.encode(),  # as uvicorn gives it
            "headers": [(b"host", b"bench"), (b"user-agent", b"bench")],
        }

        async def receive() -> dict:
            await asyncio.sleep(3600)  # the client never disconnects
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            pass

        await application(scope, receive, send)

    async def worker() -> None:
        for _ in range(pages // CONCURRENCY):
            await one()

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


def main() -> None:
    import uvloop

    # Under callgrind a page takes ~50 times longer than it does for real: the disconnect
    # watch would begin on every page, where real pages are done long before it does.
    os.environ["BENCH_WATCH_DISCONNECT_AFTER"] = "60"
    from bench.app import application

    uvloop.install()
    asyncio.run(compose(application, int(sys.argv[1])))


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shell.settings")
    main()
