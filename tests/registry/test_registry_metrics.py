"""The registry's metrics collector: live and total instances per fragment, from the database
at the moment of the scrape."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from registry import models
from registry.metrics import InstanceCollector
from registry.models import Fragment, Instance

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch, settings):
    """Liveness by heartbeat alone (no restart bridge), with a TTL of 15 s."""
    settings.REGISTRY_HEARTBEAT_TTL = 15
    monkeypatch.setattr(models, "_restart", None)


def _instance(fragment: Fragment, port: int, age_s: float, manual: bool = False) -> Instance:
    return Instance.objects.create(
        fragment=fragment,
        base_url=f"http://127.0.0.1:{port}",
        last_heartbeat=timezone.now() - timedelta(seconds=age_s),
        manual=manual,
    )


def _scrape() -> dict[tuple[str, str], float]:
    registry = CollectorRegistry()
    registry.register(InstanceCollector())
    text = generate_latest(registry).decode()
    assert "# TYPE tessera_registry_instances gauge" in text
    return {
        (s.labels["fragment"], s.labels["state"]): s.value
        for family in registry.collect()
        for s in family.samples
    }


def test_live_and_total_instances_per_fragment():
    reviews = Fragment.objects.create(name="reviews")
    _instance(reviews, 8101, 1)
    _instance(reviews, 8102, 20)  # past the TTL: registered, not live
    _instance(reviews, 8103, 3600, manual=True)  # by hand: never expires
    Fragment.objects.create(name="hero")
    assert _scrape() == {
        ("hero", "live"): 0,
        ("hero", "total"): 0,
        ("reviews", "live"): 2,
        ("reviews", "total"): 3,
    }


def test_each_scrape_reads_the_database_anew(django_assert_num_queries):
    reviews = Fragment.objects.create(name="reviews")
    registry = CollectorRegistry()
    with django_assert_num_queries(0):  # registering reads nothing: a scrape does
        registry.register(InstanceCollector())
    _instance(reviews, 8101, 1)
    line = 'tessera_registry_instances{fragment="reviews",state="live"} 1.0'
    assert line in generate_latest(registry).decode()
    Instance.objects.update(last_heartbeat=timezone.now() - timedelta(seconds=60))
    assert line.replace("1.0", "0.0") in generate_latest(registry).decode()


def test_a_database_that_fails_costs_only_the_instance_counts(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(Fragment.objects, "prefetch_related", broken)
    registry = CollectorRegistry()
    registry.register(InstanceCollector())
    text = generate_latest(registry).decode()  # no exception: the scrape still answers
    assert "tessera_registry_instances{" not in text
    assert caplog.records[-1].error == "OperationalError: database is locked"
