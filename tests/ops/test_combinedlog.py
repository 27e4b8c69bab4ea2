"""The combined log `up` keeps: every service line as a JSON line, flushed soon, bounded."""

import asyncio
import json

from tessera.ops.combinedlog import CombinedLog, log_entry, log_files

NOW = 1764525001.5  # 2025-11-30T17:50:01.500Z


def test_a_json_line_naming_its_service_is_kept_as_it_is():
    line = '{"msg": "hi",  "service": "shell", "logger": "x"}'
    assert log_entry("shell:9000", line, NOW) == (line, False)


def test_a_json_line_without_a_service_gets_the_process_label():
    entry, _ = log_entry("cart-fragment", '{"msg": "hi", "service": ""}', NOW)
    assert json.loads(entry) == {"msg": "hi", "service": "cart-fragment"}


def test_any_other_line_is_wrapped_as_an_info_line_of_its_service():
    for line in ("INFO:     Started server process [42]", "{not json", '["a", "list"]', ""):
        entry, access = log_entry("catalog", line, NOW)
        assert json.loads(entry) == {
            "ts": "2025-11-30T17:50:01.500Z",
            "service": "catalog",
            "level": "info",
            "msg": line,
        }
        assert not access


def test_access_lines_are_told_apart():
    assert log_entry("shell", '{"logger": "tessera.access", "service": "shell"}', NOW)[1]
    assert log_entry("shell", '{"logger": "tessera.access"}', NOW)[1]
    assert not log_entry("shell", '{"logger": "shell.engine", "service": "shell"}', NOW)[1]


def _never(why: str) -> None:
    raise AssertionError(why)


def test_written_lines_are_in_the_file_within_the_flush_interval_without_a_close(tmp_path):
    path = tmp_path / "log" / "tessera.log"
    log = CombinedLog(path, on_error=_never, flush_interval=0.05)

    async def scenario():
        log.write('{"msg": "one"}')
        log.write('{"msg": "two"}')
        await asyncio.sleep(0.2)
        return path.read_text()

    assert asyncio.run(scenario()) == '{"msg": "one"}\n{"msg": "two"}\n'


def test_past_its_size_the_log_is_rotated_keeping_one_old_file(tmp_path):
    path = tmp_path / "tessera.log"
    path.write_text("x" * 50 + "\n")  # from an earlier run: counts towards the size
    old, current = log_files(path)
    log = CombinedLog(path, on_error=_never, max_bytes=100)

    async def scenario():
        for n in range(12):
            log.write(f"line {n:02d} " + "-" * 11)  # 20 bytes with its newline
        log.close()

    asyncio.run(scenario())
    # Lines 0-2 take the file to 111 bytes: rotated. Lines 3-8 take the new one to 120:
    # rotated again, replacing the first old file. Lines 9-11 are the current file.
    assert old.read_text().splitlines() == [f"line {n:02d} " + "-" * 11 for n in range(3, 9)]
    assert current.read_text().splitlines() == [f"line {n:02d} " + "-" * 11 for n in range(9, 12)]
