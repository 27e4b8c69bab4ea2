"""Several workers on one port (tessera.runtime.workers): the worker count from its setting,
the shell's service definition, each worker's shell id and stdout, and `/metrics` gathered
from every worker (workermetrics.py)."""

from __future__ import annotations

import asyncio
import os

import pytest

from tessera.ops.services import SERVICES, place
from tessera.runtime import serve, workers
from tessera.runtime.workermetrics import WorkerMetrics, merged
from tessera.runtime.workers import PIPE_BUF, LineWriter, Worker, available_cores, parse_count
from tests.prometheus import samples

REQUESTS = "tessera_http_requests_total"


@pytest.mark.parametrize(("raw", "count"), [("1", 1), ("2", 2), (" 16 ", 16)])
def test_a_worker_count_is_a_positive_integer(raw, count):
    assert parse_count(raw) == count


def test_auto_is_one_worker_per_core_this_process_may_use():
    assert parse_count("auto") == parse_count("AUTO") == available_cores()
    if hasattr(os, "sched_getaffinity"):
        assert available_cores() == len(os.sched_getaffinity(0))


@pytest.mark.parametrize("raw", ["0", "-1", "two", "", "1.5", "auto2"])
def test_anything_else_is_refused_saying_what_is_accepted(raw):
    with pytest.raises(ValueError, match="positive integer or 'auto'"):
        parse_count(raw)


def test_a_bad_workers_option_stops_serve_before_it_starts(capsys):
    with pytest.raises(SystemExit) as stopped:
        serve.main(["tests.runtime.echo_service:app", "--port", "1", "--workers", "0"])
    assert stopped.value.code == 2
    assert "--workers: '0' is not a number of workers" in capsys.readouterr().err


def _shell(environ):
    return next(p for p in place(SERVICES, environ) if p.name == "shell")


def test_the_shell_runs_as_many_workers_as_tessera_shell_workers_says():
    command = _shell({"TESSERA_SHELL_WORKERS": "2"}).command()
    assert command[command.index("--workers") + 1] == "2"
    assert "--workers" not in _shell({}).command()  # one: today's single process
    assert "--workers" not in _shell({"TESSERA_SHELL_WORKERS": "1"}).command()
    others = [p for p in place(SERVICES, {"TESSERA_SHELL_WORKERS": "2"}) if p.name != "shell"]
    assert all("--workers" not in p.command() for p in others)


def test_a_bad_tessera_shell_workers_is_a_startup_error_naming_the_variable():
    with pytest.raises(ValueError, match="TESSERA_SHELL_WORKERS: 'many' is not a number"):
        _shell({"TESSERA_SHELL_WORKERS": "many"})


def test_each_worker_reports_to_the_registry_under_its_own_shell_id(monkeypatch, tmp_path):
    from shell.reporting import shell_id

    assert shell_id().endswith(f":{os.getpid()}")  # host:pid, unique per worker already
    monkeypatch.setenv("TESSERA_SHELL_ID", "eu-1")
    assert shell_id() == "eu-1"
    monkeypatch.setattr(workers, "current", Worker(1, 2, tmp_path))
    assert shell_id() == "eu-1/1"


class Stdout:
    """A LineWriter on a pipe, with every `os.write` it makes recorded."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.read_end, write_end = os.pipe()
        self.writes: list[bytes] = []
        real_write = os.write

        def recorded(fd: int, data: bytes) -> int:
            if fd == write_end:  # this writer's, not anyone else's
                self.writes.append(bytes(data))
            return real_write(fd, data)

        monkeypatch.setattr(os, "write", recorded)
        self.writer = LineWriter(write_end)

    def received(self) -> bytes:
        """Everything that reached the pipe (closing it: call once, at the end)."""
        os.close(self.writer.fd)
        with os.fdopen(self.read_end, "rb") as pipe:
            return pipe.read()


@pytest.fixture
def stdout(monkeypatch) -> Stdout:
    return Stdout(monkeypatch)


def test_a_workers_stdout_writes_whole_lines_of_at_most_pipe_buf_bytes(stdout):
    lines = [f'{{"n": {i}, "pad": "{"x" * 300}"}}\n' for i in range(40)]  # 13 KB in all
    long_line = "y" * (PIPE_BUF + 100) + "\n"
    assert stdout.writer.write("".join(lines)) == len("".join(lines))
    stdout.writer.write(long_line)
    assert stdout.received().decode() == "".join(lines) + long_line
    batch, rest = stdout.writes[: len(stdout.writes) - 2], stdout.writes[-2:]
    assert len(batch) > 1
    assert all(len(w) <= PIPE_BUF and w.endswith(b"\n") for w in batch)
    assert [len(w) for w in rest] == [PIPE_BUF, 101]  # a longer line cannot stay whole


def test_a_line_written_in_parts_leaves_in_one_write(stdout):
    # print() writes its text, then the line end: another worker's line must not fall between.
    print("draining 42", file=stdout.writer)
    stdout.writer.write("no end yet")
    assert stdout.writes == [b"draining 42\n"]
    stdout.writer.flush()  # at exit, what is left goes too
    assert stdout.writes == [b"draining 42\n", b"no end yet"]
    assert stdout.received() == b"draining 42\nno end yet"


def _exposition(count: int) -> bytes:
    return (
        "# HELP tessera_http_requests_total Requests answered\n"
        "# TYPE tessera_http_requests_total counter\n"
        f'tessera_http_requests_total{{method="GET",route="page",status="200"}} {count}.0\n'
        "# HELP process_open_fds Number of open file descriptors.\n"
        "# TYPE process_open_fds gauge\n"
        f"process_open_fds {count + 10}.0\n"
    ).encode()


def test_merged_metrics_have_each_family_once_and_every_workers_samples_labelled():
    text = merged({1: _exposition(5), 0: _exposition(3)}).decode()
    assert text.count("# TYPE tessera_http_requests_total counter") == 1
    assert text.count("# TYPE process_open_fds gauge") == 1
    found = samples(text)
    assert found[f'{REQUESTS}{{method="GET",route="page",status="200",worker="0"}}'] == 3
    assert found[f'{REQUESTS}{{method="GET",route="page",status="200",worker="1"}}'] == 5
    assert found['process_open_fds{worker="0"}'] == 13
    assert found['process_open_fds{worker="1"}'] == 15


def test_the_worker_scraped_asks_the_others_over_their_sockets(tmp_path):
    async def scenario() -> tuple[str, str]:
        counts = {0: 2, 1: 7}

        def exposer(index: int):
            async def expose() -> bytes:
                return _exposition(counts[index])

            return expose

        first = WorkerMetrics(Worker(0, 3, tmp_path), exposer(0))  # worker 2 never started
        second = WorkerMetrics(Worker(1, 3, tmp_path), exposer(1))
        await first.start()
        await second.start()
        both = (await first.exposition()).decode()
        await second.stop()
        alone = (await first.exposition()).decode()
        await first.stop()
        return both, alone

    both, alone = asyncio.run(scenario())
    found = samples(both)
    assert found[f'{REQUESTS}{{method="GET",route="page",status="200",worker="0"}}'] == 2
    assert found[f'{REQUESTS}{{method="GET",route="page",status="200",worker="1"}}'] == 7
    assert 'worker="2"' not in both
    assert 'worker="1"' not in alone  # a worker that is gone is left out, not waited for
    assert not list(tmp_path.iterdir())  # each took its socket away
