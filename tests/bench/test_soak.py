"""The soak's pure parts (`bench.soak`): reading the shell's sockets from /proc, the slope,
the verdict. The soak itself takes ten minutes and is run by hand (`python -m bench.soak`)."""

from __future__ import annotations

import os
import socket
import statistics
from pathlib import Path

import pytest

from bench.soak import (
    Connections,
    TcpSocket,
    classify,
    judge,
    least_squares,
    parse_proc_net_tcp,
    read_counts,
    rss_mb_from_status,
    sample_process,
    socket_inodes,
    wrk_script,
)

#: A /proc/net/tcp with the shell on port 8080 (1F90) and the origin on 9090 (2382).
FIXTURE = (Path(__file__).parent / "proc_net_tcp.txt").read_text()
SHELL, ORIGIN = 8080, 9090
#: The shell's fd link targets: sockets 100-105 are its own; 201, 301, 999 are not.
FD_TARGETS = [
    "socket:[100]", "socket:[101]", "socket:[102]", "socket:[103]", "socket:[104]",
    "socket:[105]", "pipe:[999]", "/dev/null", "anon_inode:[eventpoll]", "/tmp/socket:[201]",
]  # fmt: skip


def test_parses_ports_states_and_inodes() -> None:
    sockets = parse_proc_net_tcp(FIXTURE)
    assert len(sockets) == 13
    assert sockets[0] == TcpSocket(SHELL, 0, "LISTEN", 100)
    assert sockets[3] == TcpSocket(0xD000, ORIGIN, "ESTABLISHED", 102)
    assert sockets[6] == TcpSocket(SHELL, 0xC002, "TIME_WAIT", 0)
    assert [s.state for s in sockets].count("CLOSE_WAIT") == 2


def test_socket_inodes_are_only_sockets() -> None:
    assert socket_inodes(FD_TARGETS) == {100, 101, 102, 103, 104, 105}


def test_classifies_the_shells_connections() -> None:
    found = classify(parse_proc_net_tcp(FIXTURE), socket_inodes(FD_TARGETS), SHELL, ORIGIN)
    assert found == Connections(
        inbound=1,  # row 1; row 2 is its client's side, not the shell's
        outbound=1,  # row 3; row 4 is nginx's side
        other=3,  # its CLOSE_WAIT, FIN_WAIT2 and an established one to another port
        time_wait=2,  # rows 6 and 8: the shell's side; 7 and 9 are the peers'
        other_states=(("CLOSE_WAIT", 1), ("ESTABLISHED", 1), ("FIN_WAIT2", 1)),
    )


def test_reads_a_live_process() -> None:
    """This process as a shell with a connection in and one out to an origin: /proc as it
    really is."""
    with (
        socket.create_server(("127.0.0.1", 0)) as shell,
        socket.create_server(("127.0.0.1", 0)) as origin,
        socket.create_connection(shell.getsockname()) as visitor,
        socket.create_connection(origin.getsockname()) as fetch,
    ):
        inbound, _ = shell.accept()
        origin_side, _ = origin.accept()
        with inbound, origin_side:
            sample = sample_process(os.getpid(), shell.getsockname()[1], origin.getsockname()[1])
    assert visitor.fileno() == fetch.fileno() == -1  # closed by now; both were open then
    assert sample.connections.inbound == 1
    assert sample.connections.outbound == 1
    # The visitor's and the origin's ends are this process's too: other, established.
    assert sample.connections.other_states == (("ESTABLISHED", 2),)
    assert sample.fds >= 6
    assert sample.rss_mb > 1


def test_rss_from_status() -> None:
    assert rss_mb_from_status("Name:\tpython\nVmHWM:\t  99999 kB\nVmRSS:\t   51200 kB\n") == 50.0
    with pytest.raises(ValueError):
        rss_mb_from_status("Name:\tpython\n")


def test_least_squares_slope_and_its_standard_error() -> None:
    xs, ys = [0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 1.0, 3.0]
    slope, stderr = least_squares(xs, ys)
    assert slope == pytest.approx(statistics.linear_regression(xs, ys).slope) == 0.9
    # residuals 0.1, 0.2, -0.7, 0.4: sqrt(0.70 / (4 - 2) / 5)
    assert stderr == pytest.approx(0.07**0.5)
    assert least_squares([0, 1, 2], [5, 7, 9]) == (2.0, 0.0)
    with pytest.raises(ValueError):
        least_squares([1.0], [1.0])


MINUTES = [0.5 * (i + 1) for i in range(20)]  # a 10-minute run sampled every 30 s


def test_a_leak_grows() -> None:
    noise = [0.3, -0.2, 0.1, -0.3, 0.2] * 4
    rss = [50 + 0.8 * m + n for m, n in zip(MINUTES, noise, strict=True)]
    verdict = judge("RSS", "MB", MINUTES, rss, warm_up=2, max_slope=0.5, ceiling=64)
    assert verdict.verdict == "GROWS" and verdict.fails
    assert verdict.slope == pytest.approx(0.8, abs=0.1)


def test_a_slow_drift_below_the_threshold_is_flat() -> None:
    rss = [50 + 0.3 * m for m in MINUTES]
    assert judge("RSS", "MB", MINUTES, rss, warm_up=2, max_slope=0.5).verdict == "flat"


def test_the_warm_up_is_left_out() -> None:
    """Caches filling in the first three minutes are not growth; counted, they would be."""
    rss = [10.0, 20.0, 30.0, 40.0, 50.0, 52.0] + [53.0] * 14
    assert judge("RSS", "MB", MINUTES, rss, warm_up=6, max_slope=0.5).verdict == "flat"
    assert judge("RSS", "MB", MINUTES, rss, warm_up=0, max_slope=0.5).verdict == "GROWS"


def test_noise_is_not_growth() -> None:
    """In-flight connections come and go: a slope above 1/min that noise explains is flat,
    the same slope with little noise is not."""
    noisy = [100, 130, 90, 120, 95, 80, 125, 100, 85, 130, 110, 135, 90, 125, 100, 85, 130]
    noisy += [105, 90, 135]
    slope, stderr = least_squares(MINUTES[2:], noisy[2:])
    assert slope > 1 and slope < 3 * stderr  # the case this test is about
    assert judge("fds", "", MINUTES, noisy, warm_up=2, max_slope=1).verdict == "flat"
    steady = [100 + slope * m for m in MINUTES]
    assert judge("fds", "", MINUTES, steady, warm_up=2, max_slope=1).verdict == "GROWS"


def test_over_the_goal_fails_though_flat() -> None:
    over = judge("RSS", "MB", MINUTES, [70.0] * 20, warm_up=2, max_slope=0.5, ceiling=64)
    assert over.verdict == "OVER GOAL" and over.fails and over.final == 70.0
    under = judge("RSS", "MB", MINUTES, [60.0] * 20, warm_up=2, max_slope=0.5, ceiling=64)
    assert under.verdict == "flat" and not under.fails


def test_wrk_counts(tmp_path: Path) -> None:
    counts = tmp_path / "counts"
    assert read_counts(counts) == (0, 0)
    counts.write_text("1234 5\n")
    assert read_counts(counts) == (1234, 5)
    script = wrk_script(counts, 1000, seed=18)
    assert "math.random(1000)" in script and "r <= 60" in script and "r <= 90" in script
    assert f'"{counts}.done"' in script
