"""The cost against the work, in wall-clock terms: `python -m bench --work`.

Against the shell that `python -m bench` starts (core 0, the origin and wrk on core 1), wrk
loads each of bench.app's cost-against-work pages in turn, 0 ms fragments: 6, 12, 24 and 48
fragments of the standard sizes, and six fragments of 2, 24 and 200 KB. For each: pages/s,
latency, and the shell's CPU time per page (user and system, from /proc; one page in flight
at a time, see bench.app), which does not depend on how busy wrk kept it. From those: the
CPU that one more fragment and one more KB cost (the least-squares slope), and how far any
page strays from that line: a cost that grows linearly keeps each within a few per cent.
`bench.instructions --work` counts the same pages' instructions, a steadier figure for
comparing versions.
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path

from bench.app import FAN_OUT, SIZED_BODIES, WORK_CONNECTIONS
from bench.fit import slope, worst_deviation
from bench.harness import median_of, wrk


def cpu_seconds(pid: int) -> tuple[float, float]:
    """The user and the system CPU time process `pid` has had, in seconds."""
    # The command name (field 2) may hold spaces: count the fields after its ")".
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def measure(url: str, pid: int, duration: float) -> dict[str, float]:
    """wrk's figures for `url`, with the shell's CPU µs per page served meanwhile (in all,
    and in the kernel)."""
    user, system = cpu_seconds(pid)
    run = wrk(url, WORK_CONNECTIONS, duration)
    user_after, system_after = cpu_seconds(pid)
    pages = max(run["requests"], 1)
    run["cpu_us"] = (user_after - user + system_after - system) / pages * 1e6
    run["system_us"] = (system_after - system) / pages * 1e6
    return run


def cost_against_work(base: str, pid: int, duration: float, repeat: int) -> dict[str, str]:
    """The report's lines for the cost-against-work pages of the shell at `base`."""
    pages = {f"{n} fragments of 2-6 KB": (f"/fan{n}/SKU-1", n) for n in FAN_OUT}
    pages |= {
        f"6 fragments of {kb} KB": (f"/size-{body}/SKU-1", kb) for body, kb in SIZED_BODIES.items()
    }
    report, cpu = {}, {}
    for label, (path, work) in pages.items():
        wrk(base + path, WORK_CONNECTIONS, 1)  # warm up: the pool's connections to the origin
        runs = [measure(base + path, pid, duration) for _ in range(repeat)]
        errors = sum(run["errors"] for run in runs)
        report[f"{label}: pages/s"] = median_of(runs, "rps", "{:,.0f}") + f"  errors {errors:.0f}"
        report[f"{label}: latency p50 / p99"] = (
            f"{statistics.median(r['p50'] for r in runs):.2f} / "
            f"{statistics.median(r['p99'] for r in runs):.2f} ms"
        )
        report[f"{label}: shell CPU per page"] = (
            median_of(runs, "cpu_us", "{:,.0f} µs")
            + f", of which system {statistics.median(r['system_us'] for r in runs):,.0f} µs"
        )
        cpu[path] = (work, statistics.median(run["cpu_us"] for run in runs))
    fan_out = {work: us for path, (work, us) in cpu.items() if path.startswith("/fan")}
    sized = {work: us for path, (work, us) in cpu.items() if path.startswith("/size-")}
    report["CPU per extra fragment"] = (
        f"{slope(fan_out):,.1f} µs; every page within "
        f"{worst_deviation(fan_out) * 100:.1f} % of the line"
    )
    report["CPU per extra KB of fragment body"] = (
        f"{slope(sized) / 6:,.2f} µs; every page within "
        f"{worst_deviation(sized) * 100:.1f} % of the line"
    )
    return report
