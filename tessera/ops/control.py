"""The running stack's control socket: how `deploy` and `rollback` reach `up`.

`up` listens on a Unix socket in the data directory (`var/up.sock`, mode 0600: only its
owner may use it). A request is one JSON line, so is the answer:

    {"op": "stack"}                                    -> the services' URLs
    {"op": "instances"}                                -> every running instance
    {"op": "status"}                                   -> every instance, up or down, with
                                                          its restarts and health
    {"op": "start", "service": S, "version": V, "env": {...}} -> the new instance
    {"op": "stop", "label": L}                         -> {}
    {"op": "restart", "service": S}                    -> the restarted instance (one left
                                                          down by a crash loop: at once)

Failures answer {"error": "..."}. New instances are children of `up` like every other
service, so Ctrl-C stops them too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from pathlib import Path
from typing import Any

import httpx

from tessera.ops.supervisor import Process, StackError, Supervisor
from tessera.runtime.env import data_dir


def socket_path() -> Path:
    return data_dir() / "up.sock"


def _instance(process: Process) -> dict[str, Any]:
    return {
        "label": process.name,
        "service": process.placed.name,
        "url": process.placed.url,
        "version": process.version,
        "pid": process.proc.pid,
    }


async def _health(client: httpx.AsyncClient, url: str) -> str:
    try:
        response = await client.get(f"{url}/healthz")
    except httpx.HTTPError as exc:
        return f"no answer ({type(exc).__name__})"
    return "ok" if response.status_code == 200 else f"answers {response.status_code}"


async def _status(supervisor: Supervisor) -> list[dict[str, Any]]:
    """The supervisor's status rows, each running instance's `/healthz` asked at once."""
    rows = supervisor.status()
    urls = {p.name: p.placed.url for p in supervisor.processes.values()}
    async with httpx.AsyncClient(timeout=1.0) as client:
        health = await asyncio.gather(
            *(_health(client, urls[row["label"]]) for row in rows if row["label"] in urls)
        )
    answers = dict(zip([row["label"] for row in rows if row["label"] in urls], health, strict=True))
    for row in rows:
        row["health"] = answers.get(row["label"], "-")
    return rows


class ControlServer:
    """Serves the control socket for one supervisor."""

    def __init__(self, supervisor: Supervisor, path: Path | None = None) -> None:
        self.supervisor = supervisor
        self.path = path or socket_path()
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        old_umask = os.umask(0o177)  # the socket is created 0600
        try:
            self._server = await asyncio.start_unix_server(self._serve, path=str(self.path))
        finally:
            os.umask(old_umask)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            try:  # readline raises ValueError past the reader's limit (64 KiB)
                answer = await self.handle(json.loads(await reader.readline()))
            except (ValueError, KeyError, TypeError) as exc:
                answer = {"error": f"bad request: {exc}"}
            except StackError as exc:
                answer = {"error": str(exc)}
            writer.write(json.dumps(answer).encode() + b"\n")
            await writer.drain()
        finally:
            writer.close()

    async def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        supervisor = self.supervisor
        op = request["op"]
        if op == "stack":
            return {"services": {r.name: r.url for r in supervisor.stack}}
        if op == "instances":
            return {"instances": [_instance(p) for p in supervisor.processes.values()]}
        if op == "status":
            return {"services": await _status(supervisor)}
        if op == "start":
            env = request.get("env") or {}
            if not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
                raise ValueError("env must map names to strings")
            process = await supervisor.start_instance(
                str(request["service"]), version=str(request["version"]), env=env
            )
            return _instance(process)
        if op == "restart":
            return _instance(await supervisor.restart_service(str(request["service"])))
        if op == "stop":
            label = str(request["label"])
            if label not in supervisor.processes:
                raise StackError(f"no running instance {label!r}")
            await supervisor.stop_service(label)
            return {}
        raise ValueError(f"unknown op {op!r}")


async def call(request: dict[str, Any], path: Path | None = None) -> dict[str, Any]:
    """Send one request to a running `up` and return its answer (StackError on failure)."""
    path = path or socket_path()
    try:
        reader, writer = await asyncio.open_unix_connection(str(path))
    except (FileNotFoundError, ConnectionRefusedError):
        raise StackError(
            f"no running stack: start it with `python manage.py up` ({path} not found)"
        ) from None
    try:
        writer.write(json.dumps(request).encode() + b"\n")
        await writer.drain()
        answer = json.loads(await reader.readline())
    finally:
        writer.close()
    if "error" in answer:
        raise StackError(answer["error"])
    return answer
