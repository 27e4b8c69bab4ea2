"""A fragment instance's heartbeats across a registry outage, on a virtual clock.

The registry is an `httpx.MockTransport` scripted by time; the clock is `tests.virtualtime`'s,
so "every 5 s for a minute" takes no real time and each request's moment is exact.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from fragments.kit.registration import Registration
from tests.virtualtime import run

INTERVAL = 5.0
REGISTER = ("POST", "/api/v1/instances")


class ScriptedRegistry:
    """Answers by the (virtual) time of each request: `down(t, path)` says the registry is
    unreachable for that request; `forgets_at` is when its database loses every instance;
    `slow(t)` how long a request then hangs before it times out."""

    def __init__(
        self,
        down: Callable[[float, str], bool] = lambda t, path: False,
        forgets_at: float | None = None,
        slow: Callable[[float], float] = lambda t: 0.0,
    ) -> None:
        self.down = down
        self.forgets_at = forgets_at
        self.slow = slow
        self.calls: list[tuple[float, str, str]] = []
        self.known: set[int] = set()
        self.next_id = 1

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        now = asyncio.get_running_loop().time()
        self.calls.append((now, request.method, request.url.path))
        if self.slow(now):  # the request hangs, then times out
            await asyncio.sleep(self.slow(now))
            raise httpx.ReadTimeout("no answer", request=request)
        if self.down(now, request.url.path):
            raise httpx.ConnectError("connection refused", request=request)
        if self.forgets_at is not None and now >= self.forgets_at:
            self.known.clear()
            self.forgets_at = None
        if (request.method, request.url.path) == REGISTER:
            self.known.add(self.next_id)
            self.next_id += 1
            return httpx.Response(201, json={"id": self.next_id - 1})
        instance_id = int(request.url.path.split("/")[4])
        if instance_id not in self.known:
            return httpx.Response(404, json={"detail": "Not Found"})
        return httpx.Response(200, json={"id": instance_id})


def drive(registry: ScriptedRegistry, until: float) -> Registration:
    """Run a registration against `registry` from virtual time 0 to `until`."""
    registration = Registration(
        registry_url="http://registry/",
        token="t0ken",
        payload={"fragment": "hero", "base_url": "http://127.0.0.1:8102"},
        heartbeat_interval=INTERVAL,
        transport=httpx.MockTransport(registry),
    )

    async def scenario() -> None:
        await registration.start()
        await asyncio.sleep(until)
        await registration.stop()

    run(scenario())
    return registration


def beats(registry: ScriptedRegistry) -> list[float]:
    return [t for t, method, path in registry.calls if path.endswith("/heartbeat")]


def test_heartbeats_keep_their_interval_through_an_outage_and_resume_on_the_next_tick():
    # The registry is down from 7 s to 31 s: longer than a TTL of 15 s.
    registry = ScriptedRegistry(down=lambda t, path: 7 <= t < 31)
    registration = drive(registry, until=46)
    # Every tick tries, at the normal interval (no backoff, no giving up), and the first
    # tick after the registry is back (35 s) reaches it, with the same instance.
    assert beats(registry) == [5, 10, 15, 20, 25, 30, 35, 40, 45]
    assert [path for t, method, path in registry.calls if t >= 35 and method == "POST"] == [
        "/api/v1/instances/1/heartbeat"
    ] * 3
    assert [t for t, *call in registry.calls if tuple(call) == REGISTER] == [0]  # only once
    assert registration.registered.is_set()  # its health said "registered" all along


def test_a_slow_heartbeat_does_not_stretch_the_rhythm():
    # The heartbeat at 10 s hangs for 2 s and times out; the next is still due at 15 s.
    registry = ScriptedRegistry(slow=lambda t: 2.0 if t == 10 else 0.0)
    drive(registry, until=21)
    assert beats(registry) == [5, 10, 15, 20]


def test_a_heartbeat_refused_as_unknown_registers_again_at_once():
    # Back from an outage with an empty database (at 20 s), the registry answers 404.
    registry = ScriptedRegistry(down=lambda t, path: 7 <= t < 18, forgets_at=19)
    registration = drive(registry, until=31)
    after = [(t, path) for t, method, path in registry.calls if t >= 20 and method == "POST"]
    assert after == [
        (20, "/api/v1/instances/1/heartbeat"),  # 404
        (20, "/api/v1/instances"),  # registered again in the same moment: no tick, no backoff
        (25, "/api/v1/instances/2/heartbeat"),
        (30, "/api/v1/instances/2/heartbeat"),
    ]
    assert registration.registered.is_set()
    assert registry.calls[-1][1:] == ("DELETE", "/api/v1/instances/2")  # the new id


def test_registering_again_retries_quickly_while_the_registry_is_still_unreachable():
    # After the 404 at 20 s, registering is refused as unreachable until 20.5 s.
    def down(t: float, path: str) -> bool:
        return 7 <= t < 18 or (path == "/api/v1/instances" and 20 <= t < 20.5)

    registry = ScriptedRegistry(down=down, forgets_at=19)
    registration = drive(registry, until=26)
    registrations = [t for t, method, path in registry.calls if (method, path) == REGISTER]
    # 0 s, then 20 s (refused: unreachable), and retries after 0.1, 0.2, 0.4 s: the first
    # one past 20.5 s succeeds, long before the next tick would have come.
    assert registrations[0] == 0 and registrations[1] == 20
    assert registrations[-1] < 21 and len(registrations) == 5
    assert registration.registered.is_set()


def test_a_failed_heartbeat_is_logged_with_its_reason_and_url(caplog):
    # The registry's heartbeat times out with an empty message, as httpx's timeouts do.
    class Silent(ScriptedRegistry):
        async def __call__(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/heartbeat"):
                raise httpx.ReadTimeout("", request=request)
            return await super().__call__(request)

    with caplog.at_level("WARNING", logger="tessera.registration"):
        drive(Silent(), until=6)
    (failure,) = [r for r in caplog.records if r.getMessage() == "heartbeat failed"]
    assert failure.error == "ReadTimeout"
    assert failure.url == "http://registry/api/v1/instances/1/heartbeat"
    assert failure.duration_ms >= 0
