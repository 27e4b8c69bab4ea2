"""Per-page latencies of the slow page, measured by a small load client.

Each of `clients` connections requests the page back to back (keep-alive) and records, for
every page, the time to its first byte and to its last, and the shell's own latencies for
the page's slowest fragment and its primary, which `bench.app` appends to the page as a
comment. Composition overhead is then page latency minus that page's slowest fragment's
latency, page by page, as the issue defines it; subtracting percentiles of two separate runs
would mostly measure this VM's jitter between the runs.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from typing import NamedTuple

#: What bench.app appends to a slow page: the fragments' latencies as the shell saw them.
TIMINGS = re.compile(rb"<!--bench slowest=([\d.]+) primary=([\d.]+)-->")


class PageSample(NamedTuple):
    total_ms: float  # request sent -> last byte received
    first_byte_ms: float  # request sent -> response head received
    slowest_ms: float  # the page's slowest fragment, as fetched by the shell
    primary_ms: float  # the page's primary fragment, as fetched by the shell

    @property
    def overhead_ms(self) -> float:
        return self.total_ms - self.slowest_ms

    @property
    def first_byte_after_primary_ms(self) -> float:
        return self.first_byte_ms - self.primary_ms


async def _body(reader: asyncio.StreamReader, head: bytes) -> bytes:
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    if length:
        return await reader.readexactly(int(length.group(1)))
    chunks = []
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)
    await reader.readuntil(b"\r\n")  # the empty trailer section
    return b"".join(chunks)


async def _client(
    host: str, port: int, path: str, delay: float, until: float, out: list[PageSample]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    await asyncio.sleep(delay)
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    try:
        while time.monotonic() < until:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            first_byte = time.perf_counter()
            body = await _body(reader, head)
            done = time.perf_counter()
            timings = TIMINGS.search(body, max(0, len(body) - 200))
            if timings is None:
                raise SystemExit(f"{path} did not report its fragments' timings")
            out.append(
                PageSample(
                    (done - started) * 1000,
                    (first_byte - started) * 1000,
                    float(timings.group(1)),
                    float(timings.group(2)),
                )
            )
    finally:
        writer.close()


def measure(
    host: str, port: int, path: str, clients: int, seconds: float, spread: float
) -> list[PageSample]:
    """Pages from `clients` concurrent connections for `seconds`, run from core 1.

    The clients start `spread` seconds apart, like independent visitors: started at once,
    they would stay in lockstep (every page takes the same time), and each page would queue
    behind the others' work in bursts that no real traffic has.
    """
    affinity = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {1})  # with the origin and wrk, away from the shell's core 0
    try:
        out: list[PageSample] = []
        until = time.monotonic() + seconds

        async def run() -> None:
            await asyncio.gather(
                *(_client(host, port, path, i * spread, until, out) for i in range(clients))
            )

        asyncio.run(run())
        return out
    finally:
        os.sched_setaffinity(0, affinity)
