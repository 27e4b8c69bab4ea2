"""Which instances are up: by heartbeat, and across the registry's own restart.

Times are explicit (`now`, `at`): a restart "20 s after the outage began" is a value, not a
wait. The process's restart record is reset around every test.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from asgiref.sync import async_to_sync
from django.core.handlers.asgi import ASGIHandler
from django.test import Client
from django.utils import timezone
from registry import apps, models
from registry.models import Fragment, Instance, Restart, began_serving, current_restart
from registry.snapshot import build_snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.urls("registry.urls")]

TTL = 15


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch, settings):
    """A registry process that has not begun serving yet, with a TTL of 15 s."""
    settings.REGISTRY_HEARTBEAT_TTL = TTL
    monkeypatch.setattr(models, "_restart", None)


def _instance(fragment: Fragment, port: int, heartbeat: datetime, **fields) -> Instance:
    return Instance.objects.create(
        fragment=fragment, base_url=f"http://127.0.0.1:{port}", last_heartbeat=heartbeat, **fields
    )


def _live(at: datetime) -> list[str]:
    (entry,) = build_snapshot(now=at)["fragments"]
    return [i["base_url"].rsplit(":", 1)[1] for i in entry["instances"]]


def test_a_restart_after_an_outage_longer_than_the_ttl_keeps_the_instances_up_for_one_ttl():
    outage = timezone.now()  # the registry went down; its instances had just heartbeated
    hero = Fragment.objects.create(name="hero")
    _instance(hero, 8101, outage - timedelta(seconds=1))
    _instance(hero, 8102, outage - timedelta(seconds=4))
    _instance(hero, 8103, outage - timedelta(seconds=60))  # dead long before the outage
    _instance(hero, 8104, outage - timedelta(hours=1), manual=True)
    back = outage + timedelta(seconds=20)
    restart = began_serving(at=back)
    assert restart == Restart(serving_since=back, last_heard=outage - timedelta(seconds=1))

    # Without the bridge, only the manual instance would be up: pages would fail.
    assert _live(back) == ["8101", "8102", "8104"]
    assert _live(back + timedelta(seconds=TTL)) == ["8101", "8102", "8104"]
    # One TTL later, an instance that never heartbeated again is down, as ever.
    Instance.objects.filter(base_url__endswith=":8101").update(
        last_heartbeat=back + timedelta(seconds=3)
    )
    assert _live(back + timedelta(seconds=TTL + 1)) == ["8101", "8104"]


def test_without_a_restart_record_a_stale_heartbeat_is_down():
    now = timezone.now()
    hero = Fragment.objects.create(name="hero")
    stale = _instance(hero, 8101, now - timedelta(seconds=TTL + 1))
    assert current_restart() is None
    assert not stale.is_up(now) and stale.is_up(now - timedelta(seconds=1))


def test_a_replica_starting_while_others_serve_extends_nothing():
    now = timezone.now()
    hero = Fragment.objects.create(name="hero")
    _instance(hero, 8101, now - timedelta(seconds=2))  # heartbeats through another replica
    _instance(hero, 8102, now - timedelta(seconds=TTL + 5))  # died with the registry up
    began_serving(at=now)
    assert _live(now) == ["8101"]


def test_the_restart_is_recorded_once_and_heartbeats_after_it_do_not_move_it():
    start = timezone.now()
    hero = Fragment.objects.create(name="hero")
    _instance(hero, 8101, start - timedelta(seconds=30))
    first = began_serving(at=start)
    Instance.objects.update(last_heartbeat=start + timedelta(seconds=1))
    assert began_serving(at=start + timedelta(seconds=2)) is first
    assert first.last_heard == start - timedelta(seconds=30)


def test_the_api_the_admin_and_the_snapshot_agree_during_the_bridge(django_user_model):
    now = timezone.now()
    hero = Fragment.objects.create(name="hero")
    _instance(hero, 8101, now - timedelta(seconds=40))  # up only through the bridge
    _instance(hero, 8102, now - timedelta(seconds=100))  # dead before the outage
    began_serving(at=now - timedelta(seconds=1))

    listed = Client().get("/api/v1/instances").json()
    assert {i["base_url"][-4:]: i["up"] for i in listed} == {"8101": True, "8102": False}
    assert _live(timezone.now()) == ["8101"]
    traffic = Client().get("/api/v1/fragments/hero/traffic").json()
    assert traffic["shares"] == {"dev": 100.0}
    operator = django_user_model.objects.create_superuser("op", "op@example.com", "pw-12345")
    admin = Client()
    admin.force_login(operator)
    assert "1 / 2" in admin.get("/admin/registry/fragment/").content.decode()


@pytest.fixture
def watching():
    """The registry service's watch for its first request (connected only in that process)."""
    apps.watch_start()
    yield
    apps.unwatch_start()


def _asgi_get(path: str) -> int:
    """GET `path` through Django's ASGI handler, as the served registry gets a request."""
    sent: list[dict] = []
    body = [{"type": "http.request", "body": b""}]

    async def receive() -> dict:
        if body:
            return body.pop()
        await asyncio.Event().wait()  # the caller stays until the answer is complete
        raise AssertionError("unreachable")

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http", "method": "GET", "http_version": "1.1", "scheme": "http", "path": path,
        "raw_path": path.encode(), "query_string": b"", "headers": [(b"host", b"127.0.0.1")],
        "server": ("127.0.0.1", 8001), "client": ("127.0.0.1", 50000),
    }  # fmt: skip
    async_to_sync(ASGIHandler())(scope, receive, send)
    return sent[0]["status"]


def test_the_first_request_served_over_asgi_records_the_restart_before_it_is_handled(watching):
    before = timezone.now()
    hero = Fragment.objects.create(name="hero")
    _instance(hero, 8101, before - timedelta(seconds=40))
    # A test client's request is no served request.
    assert Client().get("/api/v1/instances").status_code == 200
    assert current_restart() is None

    assert _asgi_get("/api/v1/instances") == 200
    restart = current_restart()
    assert restart is not None and before <= restart.serving_since <= timezone.now()
    assert restart.last_heard == before - timedelta(seconds=40)
    assert Instance.objects.get().is_up()
    # Recorded once: the watch is gone, later requests leave the record alone.
    _asgi_get("/api/v1/instances")
    assert current_restart() is restart
