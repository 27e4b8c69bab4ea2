"""How a fragment is doing, as the admin shows it: its instances' heartbeats, its breaker as
the shells report it, and the index's overview of every fragment (`overview`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from registry.models import (
    REPORT_FRESH,
    Change,
    Fragment,
    Instance,
    ShellReport,
    reported_breaker_states,
)


def state_label(state: str) -> str:
    """A breaker state as operators read it: `half open`."""
    return state.replace("_", " ")


def ago(age: timedelta) -> str:
    """An age as operators read it: `12 s ago`, `3 min ago`, `2 h ago`."""
    seconds = max(0, int(age.total_seconds()))
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


def breaker_summary(fragment: Fragment, reports: Iterable[ShellReport]) -> str:
    """The worst breaker state `reports` give for the fragment and on how many of the shells
    reporting on it ("open on 1/2 shells"; just "closed" when that is the worst; "—" without
    a report), then its forced state if an operator set one ("... (forced open)")."""
    states = reported_breaker_states(fragment.name, reports)
    if not states:
        summary = "—"
    else:
        worst = states[0]
        summary = (
            "closed"
            if worst == "closed"
            else f"{state_label(worst)} on {states.count(worst)}/{len(states)} shells"
        )
    if fragment.breaker_forced:
        summary += f" (forced {fragment.breaker_forced})"
    return summary


def heartbeat(instance: Instance) -> str:
    """When an instance was last heard from, to the second (heartbeats come every few
    seconds); nothing for one not saved yet."""
    if instance.pk is None:
        return "—"
    at = timezone.localtime(instance.last_heartbeat)
    ago = (timezone.now() - instance.last_heartbeat).total_seconds()
    return f"{at:%Y-%m-%d %H:%M:%S} ({ago:.0f} s ago)"


def instance_up(instance: Instance) -> bool | None:
    """Whether an instance gets traffic; unknown (None) for one not saved yet."""
    return None if instance.pk is None else instance.is_up()


def overview(now: datetime | None = None) -> list[dict[str, Any]]:
    """Every fragment's health at a glance, for the admin's index: live / registered
    instances, the live versions with their instances and share of visitors, the breaker as
    the shells report it, and when its settings last changed (from the history). Four
    queries, however many fragments."""
    now = now or timezone.now()
    reports = ShellReport.since(REPORT_FRESH, now)
    changed = dict(
        Change.objects.filter(target_type="fragment")
        .order_by()
        .values_list("target")
        .annotate(at=Max("at"))
    )
    rows = []
    for fragment in Fragment.objects.prefetch_related("instances"):
        instances = list(fragment.instances.all())
        live = [i.version for i in instances if i.is_up(now)]
        count = Counter(live)
        shares = fragment.traffic(live)
        rows.append(
            {
                "fragment": fragment,
                "url": reverse("admin:registry_fragment_change", args=[fragment.pk]),
                "live": len(live),
                "total": len(instances),
                "versions": [(v, count[v], share) for v, share in shares.items()],
                "breaker": breaker_summary(fragment, reports),
                "changed_at": changed.get(fragment.name),
                "history": reverse("admin:registry_change_changelist")
                + "?"
                + urlencode({"target_type": "fragment", "q": fragment.name}),
            }
        )
    return rows
