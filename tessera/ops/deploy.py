"""Deploying one fragment on a running stack: new instances, traffic switch, drain, rollback.

A deploy never restarts the shell or touches another fragment. Its steps, each waited for:
start the new version's instance (through `up`'s control socket) until it is healthy and
registered; move traffic to it in the registry (all of it, or a canary share); wait until
every shell serves from a snapshot with that change; then stop the old instances, which
deregister and drain before they exit (see tessera.runtime.serve). Each deployed version and the
environment it ran with is remembered, so `rollback` can start the previous one again.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from django.core.management.base import CommandError

from tessera.ops import control
from tessera.ops.supervisor import StackError
from tessera.runtime.env import data_dir
from tessera.runtime.secrets import local_secrets

Report = Callable[[str], None]


@dataclass
class History:
    """The versions of one fragment that were deployed, newest last, with their env."""

    path: Path
    entries: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, fragment: str) -> History:
        path = data_dir() / "deploys" / f"{fragment}.json"
        entries = json.loads(path.read_text())["entries"] if path.exists() else []
        return cls(path, entries)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps({"entries": self.entries}, indent=1))


class Deployer:
    """Deploys, promotes and rolls back fragments of the stack `up` runs.

    Use as `async with Deployer(token) as deployer: await deployer.deploy(...)`.
    """

    def __init__(
        self,
        token: str,
        *,
        report: Report = print,
        control_call: Callable[[dict], Awaitable[dict]] = control.call,
        timeout: float = 60.0,
    ) -> None:
        self.token = token
        self.report = report
        self.control = control_call
        self.timeout = timeout
        self._registry: httpx.AsyncClient
        self._shell: httpx.AsyncClient

    async def __aenter__(self) -> Deployer:
        services = (await self.control({"op": "stack"}))["services"]
        self._registry = httpx.AsyncClient(base_url=services["registry"], timeout=5.0)
        self._shell = httpx.AsyncClient(base_url=services["shell"], timeout=5.0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._registry.aclose()
        await self._shell.aclose()

    # -- the operations ---------------------------------------------------------------------

    async def deploy(
        self,
        fragment: str,
        version: str,
        env: Mapping[str, str] | None = None,
        canary: int | None = None,
    ) -> None:
        """Start `version` of `fragment` and give it all traffic, or `canary` percent."""
        await self._traffic(fragment)  # the registry must know it
        live = sorted({i["version"] for i in await self._live_instances(fragment)})
        if version in live:
            raise StackError(f"{fragment} {version} is already running; pick another --version")
        history = History.load(fragment)
        if not history.entries and len(live) == 1:  # what `up` started: the first version
            history.entries.append({"version": live[0], "env": {}})
        await self._start(fragment, version, dict(env or {}))
        if canary is None:
            await self._set_traffic(fragment, pinned=version)
            await self._stop_versions(fragment, keep=version)
            self.report(f"{fragment} {version} serves every visitor")
        else:
            stable = live[0] if len(live) == 1 else ""
            await self._set_traffic(fragment, pinned=stable, canary=version, percent=canary)
            self.report(f"{fragment} {version} serves {canary}% of visitors (canary)")
        history.entries.append({"version": version, "env": dict(env or {})})
        history.save()

    async def promote(self, fragment: str) -> None:
        """Give the canary version all traffic and stop the other versions."""
        version = (await self._traffic(fragment))["canary_version"]
        if not version:
            raise StackError(f"{fragment} has no canary to promote")
        await self._set_traffic(fragment, pinned=version)
        await self._stop_versions(fragment, keep=version)
        self.report(f"{fragment} {version} promoted: it serves every visitor")

    async def rollback(self, fragment: str) -> None:
        """Back to the previous version: end a canary, or start the version before again."""
        history = History.load(fragment)
        traffic = await self._traffic(fragment)
        canary = traffic["canary_version"]
        if canary:
            await self._set_traffic(fragment, pinned=traffic["pinned_version"])
            await self._stop_version(fragment, canary)
            if history.entries and history.entries[-1]["version"] == canary:
                history.entries.pop()
            self.report(f"{fragment} canary {canary} rolled back")
        else:
            if len(history.entries) < 2:
                raise StackError(f"{fragment} has no previous version to roll back to")
            previous = history.entries[-2]
            await self._start(fragment, previous["version"], previous["env"])
            await self._set_traffic(fragment, pinned=previous["version"])
            await self._stop_versions(fragment, keep=previous["version"])
            history.entries.pop()
            self.report(f"{fragment} rolled back to {previous['version']}")
        history.save()

    # -- steps ------------------------------------------------------------------------------

    async def _start(self, fragment: str, version: str, env: dict[str, str]) -> None:
        self.report(f"starting {fragment} {version}")
        started = await self.control(
            {"op": "start", "service": f"{fragment}-fragment", "version": version, "env": env}
        )
        url = started["url"]
        await self._until(
            lambda: self._registered(fragment, url), f"{fragment} {version} to register"
        )
        self.report(f"{fragment} {version} is healthy and registered at {url}")

    async def _registered(self, fragment: str, url: str) -> bool:
        return any(i["base_url"] == url for i in await self._live_instances(fragment))

    async def _live_instances(self, fragment: str) -> list[dict[str, Any]]:
        response = await self._registry.get("/api/v1/instances")
        response.raise_for_status()
        return [i for i in response.json() if i["fragment"] == fragment and i["up"]]

    async def _traffic(self, fragment: str) -> dict[str, Any]:
        response = await self._registry.get(f"/api/v1/fragments/{fragment}/traffic")
        if response.status_code == 404:
            raise StackError(f"the registry knows no fragment {fragment!r}")
        response.raise_for_status()
        return response.json()

    async def _set_traffic(
        self, fragment: str, *, pinned: str, canary: str = "", percent: int = 0
    ) -> None:
        response = await self._registry.put(
            f"/api/v1/fragments/{fragment}/traffic",
            json={"pinned_version": pinned, "canary_version": canary, "canary_percent": percent},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        if response.status_code != 200:
            raise StackError(f"the registry refused the traffic change: {response.text}")
        await self._until_shells_current("the shells to apply the traffic change")

    async def _stop_versions(self, fragment: str, keep: str) -> None:
        for version in {i["version"] for i in await self._live_instances(fragment)} - {keep}:
            await self._stop_version(fragment, version)

    async def _stop_version(self, fragment: str, version: str) -> None:
        """Stop every instance of `version` that `up` runs; each deregisters, then drains."""
        instances = (await self.control({"op": "instances"}))["instances"]
        service = f"{fragment}-fragment"
        mine = [i for i in instances if i["service"] == service and i["version"] == version]
        if not mine:
            self.report(f"warning: {fragment} {version} is not run by this stack; left alone")
        await asyncio.gather(*(self.control({"op": "stop", "label": i["label"]}) for i in mine))
        if mine:
            self.report(f"{fragment} {version} drained and stopped")
        await self._until_shells_current("the shells to drop the stopped instances")

    async def _until_shells_current(self, what: str) -> None:
        async def current() -> bool:
            registry = await self._registry.get("/api/v1/snapshot")
            etag = registry.headers.get("etag")
            health = await self._shell.get("/healthz")
            return health.status_code == 200 and health.json().get("snapshot") == etag

        await self._until(current, what)

    async def _until(self, condition: Callable[[], Awaitable[bool]], what: str) -> None:
        deadline = time.monotonic() + self.timeout
        while not await condition():
            if time.monotonic() > deadline:
                raise StackError(f"timed out after {self.timeout:.0f} s waiting for {what}")
            await asyncio.sleep(0.2)


def registry_token() -> str:
    """The registry's API token: the environment's, else the local stack's generated one."""
    return {**local_secrets(), **os.environ}["TESSERA_REGISTRY_TOKEN"]


def run(operation: Callable[[Deployer], Awaitable[None]], report: Report) -> None:
    """Run one Deployer operation against the stack `up` runs; a failure is a CommandError
    in one line (the `deploy` and `rollback` commands share this)."""

    async def main() -> None:
        async with Deployer(registry_token(), report=report) as deployer:
            await operation(deployer)

    try:
        asyncio.run(main())
    except StackError as exc:
        raise CommandError(str(exc)) from None
