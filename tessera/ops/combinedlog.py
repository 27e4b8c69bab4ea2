"""The combined log `up` keeps: every line every service printed, as JSON lines, in one file.

One file for the whole stack is what `manage.py trace` reads to follow a request across
services (tracelog.py), and what a log shipper would tail. Services already print JSON lines
(tessera/runtime/jsonlog.py); a line that is not one (a traceback, uvicorn's own text) is
wrapped in one, so every line of the file parses. The file is bounded: past `MAX_BYTES` it is
moved aside to `tessera.log.1` (one old file kept) and a new one begun.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from tessera.runtime.env import data_dir
from tessera.runtime.jsonlog import timestamp

#: Size past which the combined log is rotated: a day of local work, not a full disk.
MAX_BYTES = 50 * 1024 * 1024
#: Longest a written line waits in the buffer before it is in the file for `trace` to read.
FLUSH_INTERVAL = 0.25
#: The logger of the line each service writes per request it answered (its span; see
#: tessera/runtime/access.py).
ACCESS_LOGGER = "tessera.access"


def log_path(data: Path | None = None) -> Path:
    """Where `up` keeps the combined log: `log/tessera.log` in the data directory (`data`,
    default `TESSERA_DATA_DIR`'s)."""
    return (data or data_dir()) / "log" / "tessera.log"


def log_files(path: Path) -> list[Path]:
    """The combined log's files, oldest first: the rotated one, then the current one."""
    return [path.with_name(path.name + ".1"), path]


def log_entry(service: str, line: str, now: float) -> tuple[str, bool]:
    """A line `service` printed as a line of the combined log, and whether it is a request's
    access line.

    A JSON object is kept as it is, with "service" added when it has none; anything else is
    wrapped as an info line of `service`, stamped `now`.
    """
    if line.startswith("{"):
        with contextlib.suppress(ValueError):
            parsed = json.loads(line)
            if isinstance(parsed, dict):
                access = parsed.get("logger") == ACCESS_LOGGER
                if parsed.get("service"):
                    return line, access
                return json.dumps({**parsed, "service": service}), access
    wrapped = {"ts": timestamp(now), "service": service, "level": "info", "msg": line}
    return json.dumps(wrapped), False


class CombinedLog:
    """Appends lines to the combined log at `path` without holding up the event loop: writes
    are buffered and flushed `flush_interval` after the first unflushed one, and the size is
    counted as written, not looked up per line.

    A failure to write (a full disk, a read-only directory) is told once through `on_error`;
    the log is not written after it, and the services it records keep running.
    """

    def __init__(
        self,
        path: Path,
        *,
        on_error: Callable[[str], None],
        max_bytes: int = MAX_BYTES,
        flush_interval: float = FLUSH_INTERVAL,
    ) -> None:
        self.path = path
        self.on_error = on_error
        self.max_bytes = max_bytes
        self.flush_interval = flush_interval
        self.failed = False
        self._file: BinaryIO | None = None
        self._size = 0
        self._flushing: asyncio.TimerHandle | None = None

    def __repr__(self) -> str:
        return f"CombinedLog({str(self.path)!r})"

    def write(self, line: str) -> None:
        """Append one line (without its newline); in the file within `flush_interval`."""
        if self.failed:
            return
        data = line.encode("utf-8", "replace") + b"\n"
        try:
            if self._file is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = self.path.open("ab")
                self._size = self._file.tell()
            self._file.write(data)
            self._size += len(data)
            if self._size > self.max_bytes:
                self._rotate()
        except OSError as exc:
            self._fail(exc)
            return
        if self._flushing is None and self._file is not None:
            self._flushing = asyncio.get_running_loop().call_later(self.flush_interval, self.flush)

    def flush(self) -> None:
        """Put what is buffered into the file now."""
        if self._flushing is not None:
            self._flushing.cancel()
            self._flushing = None
        if self._file is not None:
            try:
                self._file.flush()
            except OSError as exc:
                self._fail(exc)

    def close(self) -> None:
        """Flush and close the file; a later write opens it again."""
        self.flush()
        self._drop()

    def _rotate(self) -> None:
        self.close()
        if not self.failed:
            os.replace(self.path, log_files(self.path)[0])

    def _drop(self) -> None:
        if self._flushing is not None:
            self._flushing.cancel()
            self._flushing = None
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None

    def _fail(self, exc: OSError) -> None:
        self.failed = True
        self._drop()
        self.on_error(f"the combined log {self.path} is no longer written: {exc}")
