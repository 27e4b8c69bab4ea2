"""When the store is ready: the shell serves composed pages from a registry snapshot that
lists every fragment service of the stack.

Every service answering `/healthz` is not enough: fragment services register with the
registry as they start, and the shell learns of them at its next snapshot poll, so for a
moment pages would come out with placeholders. `up` announces the store (and tests start
driving it) only once the shell holds the registry's current snapshot, that snapshot has a
live instance of every fragment, and the home page is served.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence

import httpx

from tessera.ops.services import Placed


def _fragment_names(stack: Sequence[Placed]) -> set[str]:
    return {p.service.env["TESSERA_FRAGMENT"] for p in stack if p.service.kind == "fragment"}


async def missing(stack: Sequence[Placed], client: httpx.AsyncClient) -> str | None:
    """What the store still lacks to be ready, in a few words; None when it is ready."""
    urls = {p.name: p.url for p in stack}
    response = await client.get(f"{urls['registry']}/api/v1/snapshot")
    if response.status_code != 200:
        return f"the registry's snapshot answers {response.status_code}"
    live = {f["name"] for f in response.json()["fragments"] if f.get("instances")}
    absent = sorted(_fragment_names(stack) - live)
    if absent:
        return f"no live instance registered for {', '.join(absent)}"
    health = (await client.get(f"{urls['shell']}/healthz")).json()
    if health.get("snapshot") != response.headers.get("ETag"):
        return "the shell has not polled the registry's current snapshot yet"
    home = await client.get(f"{urls['shell']}/")
    if home.status_code != 200:
        return f"the home page answers {home.status_code}"
    return None


async def wait_until_ready(stack: Sequence[Placed], within: float) -> None:
    """Return once the store is ready; TimeoutError (saying what is missing) after `within`
    seconds."""
    deadline = time.monotonic() + within
    lacking = "no answer yet"
    async with httpx.AsyncClient(timeout=2.0) as client:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
                lacking = await missing(stack, client)
                if lacking is None:
                    return
            await asyncio.sleep(0.2)
    raise TimeoutError(f"the store was not ready within {within:.0f} s: {lacking}")
