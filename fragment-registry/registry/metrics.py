"""The registry's own metrics: how many instances of each fragment are live, read from the
database when Prometheus scrapes, so the figure is never older than the scrape.

`InstanceCollector` is a prometheus-client collector; whoever serves `/metrics` registers it
(it is not registered on import: unit tests and management commands load this app too, and a
collector that queries the database must not run in them by surprise).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db import DatabaseError
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from registry.models import Fragment
from tessera.runtime.jsonlog import describe

logger = logging.getLogger("tessera.registry")

NAME = "tessera_registry_instances"
DOCUMENTATION = "Instances of each fragment: live (getting traffic) and total (registered)"
LABELS = ("fragment", "state")


class InstanceCollector(Collector):
    """`tessera_registry_instances{fragment, state}`: per registered fragment, its instances
    that are live (`Instance.is_up`, the snapshot's rule, all at one moment) and its total;
    a fragment without instances reports 0 and 0."""

    def describe(self) -> Iterator[Metric]:
        """The family without samples: registering the collector reads no database."""
        yield GaugeMetricFamily(NAME, DOCUMENTATION, labels=LABELS)

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(NAME, DOCUMENTATION, labels=LABELS)
        now = timezone.now()
        try:
            fragments = list(Fragment.objects.prefetch_related("instances"))
        except DatabaseError as exc:  # the rest of /metrics (the process's) still answers
            logger.warning("instances not counted", extra={"error": describe(exc)})
            return
        for fragment in fragments:
            instances = list(fragment.instances.all())
            family.add_metric([fragment.name, "live"], sum(i.is_up(now) for i in instances))
            family.add_metric([fragment.name, "total"], len(instances))
        yield family
