"""What the registry knows: fragments and their instances (discovery), pages and their slot
placements (configuration), the named API tokens allowed to change them, and the history of
every change.

Every field that reaches a URL, a header or a page carries its rule (registry.validators); the
admin's forms and the API both validate through these models. `Instance.is_up` is the one
liveness rule: the snapshot, the API and the admin all ask it (see `Restart` for how a
registry that starts again treats its own downtime). Shells report their circuit breakers'
state (`ShellReport`): the latest report per shell, shown to operators, never audited.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import DatabaseError, models, transaction
from django.utils import timezone

from registry.fields import CanonicalCharField
from registry.validators import (
    template_parameters,
    validate_cookie_names,
    validate_fallback_url,
    validate_forward_headers,
    validate_instance_url,
    validate_layout_name,
    validate_name,
    validate_path_template,
    validate_placement_params,
    validate_route,
    validate_shell_id,
    validate_single_line,
    validate_slot_name,
    validate_slot_names,
    validate_text,
    validate_titles,
    validate_version,
)

logger = logging.getLogger("tessera.registry")

#: Bounds of a fragment's timeout, in milliseconds (the API's schema shows them too).
TIMEOUT_MS = (10, 30_000)
#: Longest description and fallback HTML: every shell downloads them in each snapshot.
DESCRIPTION_CHARS = 10_000
FALLBACK_HTML_CHARS = 100_000

#: Bounds of a fragment's circuit breaker settings and of its bulkhead (`max_in_flight`).
BREAKER_WINDOW_S = (1, 600)
BREAKER_MIN_CALLS = (1, 10_000)
BREAKER_RATE = (1, 100)  # percent, for failures and slow calls alike
BREAKER_SLOW_MS = (0, 30_000)  # 0: the fragment's timeout
BREAKER_OPEN_S = (1, 3_600)
BREAKER_HALF_OPEN_CALLS = (1, 100)
MAX_IN_FLIGHT = (1, 10_000)
#: An operator's forced breaker state: "" leaves the breaker to itself.
BREAKER_FORCED = (("", "automatic"), ("open", "forced open"), ("closed", "forced closed"))


def _between(bounds: tuple[int, int]) -> list:
    low, high = bounds
    return [MinValueValidator(low), MaxValueValidator(high)]


class Fragment(models.Model):
    """A fragment and how shells fetch it; one row per fragment, however many instances."""

    name = models.CharField(
        max_length=63,
        unique=True,
        validators=[validate_name],
    )
    owner = models.CharField(
        max_length=100, blank=True, validators=[validate_single_line], help_text="owning team"
    )
    description = models.TextField(
        blank=True, validators=[validate_text, MaxLengthValidator(DESCRIPTION_CHARS)]
    )
    path_template = models.CharField(
        max_length=300,
        default="/fragment",
        validators=[validate_path_template],
        help_text="e.g. /fragment/{sku}; {parameters} come from the page's route",
    )
    timeout_ms = models.PositiveIntegerField(
        default=1000,
        validators=[MinValueValidator(TIMEOUT_MS[0]), MaxValueValidator(TIMEOUT_MS[1])],
    )
    primary = models.BooleanField(default=False, help_text="decides the page's status and title")
    required = models.BooleanField(default=False, help_text="the page fails without it")
    is_async = models.BooleanField(
        "async", default=False, help_text="below the fold: streamed after the rest of the page"
    )
    cache_max_age = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(86_400)],
        help_text="seconds a response is fresh when the fragment's own Cache-Control gives no "
        "max-age; 0: only what the fragment says",
    )
    cache_stale_if_error = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(604_800)],
        help_text="seconds a stale copy may stand in for a failed fetch when the fragment's "
        "Cache-Control gives no stale-if-error",
    )
    # The circuit breaker each shell keeps for this fragment (see `breaker_settings`), and
    # the bulkhead: how many requests a shell has in flight to it at most.
    breaker_window_s = models.PositiveIntegerField(
        "window (s)",
        default=10,
        validators=_between(BREAKER_WINDOW_S),
        help_text="seconds of recent calls the breaker judges the fragment by",
    )
    breaker_min_calls = models.PositiveIntegerField(
        "minimum calls",
        default=20,
        validators=_between(BREAKER_MIN_CALLS),
        help_text="calls in the window before the breaker may open",
    )
    breaker_failure_rate = models.PositiveSmallIntegerField(
        "failure rate (%)",
        default=50,
        validators=_between(BREAKER_RATE),
        help_text="percent of the window's calls failing at which the breaker opens",
    )
    breaker_slow_rate = models.PositiveSmallIntegerField(
        "slow rate (%)",
        default=100,
        validators=_between(BREAKER_RATE),
        help_text="percent of the window's calls being slow at which the breaker opens",
    )
    breaker_slow_ms = models.PositiveIntegerField(
        "slow call (ms)",
        default=0,
        validators=_between(BREAKER_SLOW_MS),
        help_text="a call taking longer counts as slow; 0: the fragment's timeout",
    )
    breaker_open_s = models.PositiveIntegerField(
        "open for (s)",
        default=5,
        validators=_between(BREAKER_OPEN_S),
        help_text="seconds an open breaker waits before letting trial calls through",
    )
    breaker_half_open_calls = models.PositiveIntegerField(
        "half-open calls",
        default=3,
        validators=_between(BREAKER_HALF_OPEN_CALLS),
        help_text="trial calls a half-open breaker lets through to decide whether to close",
    )
    breaker_forced = models.CharField(
        "forced state",
        max_length=6,
        blank=True,
        default="",
        choices=BREAKER_FORCED,
        help_text="forced open sends every page straight to the fallback chain; forced closed "
        "disables the breaker",
    )
    max_in_flight = models.PositiveIntegerField(
        "most in flight",
        default=100,
        validators=_between(MAX_IN_FLIGHT),
        help_text="bulkhead: most requests in flight to this fragment per shell",
    )
    fallback_url = CanonicalCharField(max_length=300, blank=True, canonical=validate_fallback_url)
    fallback_html = models.TextField(
        blank=True, validators=[validate_text, MaxLengthValidator(FALLBACK_HTML_CHARS)]
    )
    forward_headers = models.CharField(
        max_length=300,
        blank=True,
        validators=[validate_forward_headers],
        help_text="comma-separated, e.g. 'cookie'; none by default, on purpose",
    )
    cookies = models.CharField(
        max_length=300,
        blank=True,
        validators=[validate_cookie_names],
        help_text="comma-separated cookie names the fragment's BFF may set on the browser, "
        "e.g. 'reviews_sort'; each is scoped to the fragment's own /bff/ path and sent back "
        "only there. Never the shell's own (tessera_visitor, csrftoken, sessionid); none by "
        "default",
    )
    max_body_bytes = models.PositiveIntegerField(
        default=1 << 20, validators=[MinValueValidator(1024), MaxValueValidator(16 << 20)]
    )
    enabled = models.BooleanField(default=True)
    # Traffic between versions (see `traffic()`): a pinned version takes all traffic but the
    # canary's share; a canary version takes `canary_percent` of visitors, sticky per visitor.
    pinned_version = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_version],
        help_text="only this version serves (blank: every version)",
    )
    canary_version = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_version],
        help_text="a version trying out on a share of visitors",
    )
    canary_percent = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(100)],
        help_text="share of visitors (0-100) who get the canary version, each always the same",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.canary_version and self.canary_version == self.pinned_version:
            raise ValidationError(
                {"canary_version": "the canary must be another version than the pinned one"}
            )
        if self.canary_percent and not self.canary_version:
            raise ValidationError({"canary_percent": "set a canary version to give it traffic"})
        slow, timeout = self.breaker_slow_ms, self.timeout_ms
        if isinstance(slow, int) and isinstance(timeout, int) and slow > timeout:
            raise ValidationError(
                {"breaker_slow_ms": f"at most the timeout ({timeout} ms): a call that takes "
                 "longer has failed already; 0 means the timeout"}
            )  # fmt: skip
        self._check_placements()

    def _check_placements(self) -> None:
        """Every page this fragment is placed on must still fill its path (a new path
        template needing a parameter a route lacks would silently drop it from the page)."""
        if self.pk is None or not isinstance(self.path_template, str):
            return
        stored = Fragment.objects.filter(pk=self.pk).values_list("path_template", flat=True)
        if stored.first() == self.path_template:
            return  # unchanged: what its placements were checked against when made
        for placement in self.placements.select_related("page"):
            placement.fragment = self  # as it is about to be saved
            try:
                placement.clean()
            except ValidationError as exc:
                reason = "; ".join(exc.messages)
                raise ValidationError(
                    {"path_template": f"on page {placement.page.name} ({reason})"}
                ) from None

    def breaker_settings(self) -> dict[str, int | str]:
        """The circuit breaker's settings as shells get them (the snapshot's `breaker`), as
        stored: a `slow_ms` of 0 means the fragment's timeout, and shells read it so."""
        return {
            "window_s": self.breaker_window_s,
            "min_calls": self.breaker_min_calls,
            "failure_rate": self.breaker_failure_rate,
            "slow_rate": self.breaker_slow_rate,
            "slow_ms": self.breaker_slow_ms,
            "open_s": self.breaker_open_s,
            "half_open_calls": self.breaker_half_open_calls,
            "forced": self.breaker_forced,
        }

    def routing(self, live_versions: list[str]) -> tuple[list[str], str, int]:
        """Which live versions serve: (stable versions, canary version, canary percent).

        A pinned version that has no live instance does not count: traffic then goes to every
        other live version rather than nowhere. The same holds for the canary.
        """
        live = sorted(set(live_versions))
        canary = self.canary_version if self.canary_version in live else ""
        if self.pinned_version in live:
            stable = [self.pinned_version]
        else:
            stable = [v for v in live if v != canary]
        if not stable:  # only the canary is live: it serves everyone
            return ([canary], "", 0) if canary else ([], "", 0)
        return stable, canary, self.canary_percent if canary else 0

    def traffic(self, live_versions: list[str]) -> dict[str, float]:
        """Each live version's share of visitors, in percent (for operators)."""
        stable, canary, percent = self.routing(live_versions)
        shares = {v: 0.0 for v in sorted(set(live_versions))}
        for version in stable:
            shares[version] = (100 - percent) / len(stable)
        if canary:
            shares[canary] = float(percent)
        return shares


class Instance(models.Model):
    """One running copy of a fragment service, kept alive by its heartbeats."""

    fragment = models.ForeignKey(Fragment, on_delete=models.CASCADE, related_name="instances")
    base_url = CanonicalCharField(max_length=300, canonical=validate_instance_url)
    version = models.CharField(max_length=64, default="dev", validators=[validate_version])
    weight = models.PositiveIntegerField(default=100, validators=[MaxValueValidator(1000)])
    manual = models.BooleanField(
        default=False, help_text="registered by an operator: never expires by heartbeat"
    )
    registered_at = models.DateTimeField(auto_now_add=True)
    last_heartbeat = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["fragment__name", "base_url"]
        constraints = [
            models.UniqueConstraint(fields=["fragment", "base_url"], name="unique_instance_url")
        ]

    def __str__(self) -> str:
        return f"{self.fragment.name}@{self.base_url}"

    def is_up(self, now: datetime | None = None) -> bool:
        """Whether the instance receives traffic: manual, or its heartbeat is recent, or it was
        alive when the registry last heard anything and this process began serving less than
        a TTL ago (`Restart`: the registry's own downtime is not the instance's)."""
        if self.manual:
            return True
        now = now or timezone.now()
        ttl = heartbeat_ttl()
        if now - self.last_heartbeat <= ttl:
            return True
        restart = _restart
        return restart is not None and restart.covers(self.last_heartbeat, now, ttl)


class Layout(models.Model):
    """A page layout the shell has, and the slots it offers, as shells publish them: pages
    name a layout, and placements a slot of it. Shells publish their layouts folder when they
    start and whenever a layout file changes (the registry keeps layouts no shell has any
    more, for the pages still naming them, until an operator deletes them)."""

    name = models.CharField(max_length=100, unique=True, validators=[validate_layout_name])
    slots = models.JSONField(default=list, validators=[validate_slot_names])
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def slots_of(name: str) -> tuple[str, ...] | None:
        """The slots of layout `name`, or None when the registry knows no such layout."""
        slots = Layout.objects.filter(name=name).values_list("slots", flat=True).first()
        return None if slots is None else tuple(slots)


class Page(models.Model):
    """A page of the storefront: its route, the shell layout it uses, its default title and
    its titles in other languages (the shell takes the one of the page's language, if any;
    a primary fragment's own title still wins)."""

    name = models.CharField(
        max_length=63,
        unique=True,
        validators=[validate_name],
    )
    route = models.CharField(max_length=200, unique=True, validators=[validate_route])
    layout = models.CharField(
        max_length=100,
        validators=[validate_layout_name],
        help_text="one of the layouts the shells publish (see Layouts)",
    )
    title = models.CharField(max_length=200, validators=[validate_single_line])
    titles = models.JSONField(
        "titles by language",
        default=dict,
        blank=True,
        validators=[validate_titles],
        help_text='the title in other languages, by language code, e.g. {"ko": "장바구니"}; '
        "a language without one gets the title above",
    )

    class Meta:
        ordering = ["route"]

    def clean(self) -> None:
        if self.layout and Layout.slots_of(self.layout) is None:
            known = ", ".join(Layout.objects.values_list("name", flat=True)) or "none yet"
            raise ValidationError(
                {"layout": f"no shell has published a layout {self.layout} (known: {known})"}
            )

    def __str__(self) -> str:
        return f"{self.name} ({self.route})"


class Placement(models.Model):
    """A fragment in a slot of a page, at a position among that slot's fragments."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="placements")
    slot = models.CharField(max_length=63, validators=[validate_slot_name])
    fragment = models.ForeignKey(Fragment, on_delete=models.CASCADE, related_name="placements")
    order = models.PositiveIntegerField(default=0)
    params = models.JSONField(
        "parameters",
        default=dict,
        blank=True,
        validators=[validate_placement_params],
        help_text='values for the fragment\'s path parameters on this page, e.g. {"limit": '
        '"4"}; they win over the route\'s',
    )

    class Meta:
        ordering = ["page", "slot", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["page", "slot", "fragment"], name="unique_fragment_per_slot"
            )
        ]

    def __str__(self) -> str:
        return f"{self.fragment_id and self.fragment.name} in {self.slot}"

    def clean(self) -> None:
        # The page, not its id: a page being created with its placements (the admin's
        # inline) has none yet, and its placements are checked against it all the same.
        page = getattr(self, "page", None)
        if page is None or not self.fragment_id:
            return
        slots = Layout.slots_of(page.layout) or ()
        if self.slot not in slots:
            raise ValidationError(
                {"slot": f"layout {page.layout} has no slot {self.slot!r} "
                 f"(it has: {', '.join(slots) or 'no slots'})"}
            )  # fmt: skip
        template = self.fragment.path_template
        params = self.params if isinstance(self.params, dict) else {}
        if unknown := sorted(set(params) - template_parameters(template)):
            raise ValidationError(
                {"params": f"{self.fragment.name}'s path {template} has no parameter "
                 f"{{{unknown[0]}}}"}
            )  # fmt: skip
        missing = (
            template_parameters(template, optional=False)
            - template_parameters(page.route)
            - set(params)
        )
        if missing:
            raise ValidationError(
                f"{self.fragment.name}'s path needs {', '.join(sorted(missing))}, which neither "
                f"the route {page.route} nor the placement's parameters provide"
            )


#: The actor of writes made with the environment's `TESSERA_REGISTRY_TOKEN` (what fragment
#: services register with); no named token may take it.
ENVIRONMENT_ACTOR = "registry-token"


def token_digest(secret: str) -> str:
    """What is kept of a token: its SHA-256, never the token."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


class ApiToken(models.Model):
    """A named credential for the API's writes (a CI job applying configuration, a team's
    tool), each revocable on its own; writes made with it are in the history as
    `token:<name>`. Only its digest is kept: the token is shown once, when it is issued."""

    name = models.CharField(max_length=63, unique=True, validators=[validate_name])
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.name == ENVIRONMENT_ACTOR:
            raise ValidationError(
                {"name": f"{ENVIRONMENT_ACTOR} is the environment's token (TESSERA_REGISTRY_TOKEN)"}
            )

    def issue(self) -> str:
        """A new secret for this token, kept as its digest; returned to be shown once."""
        secret = secrets.token_urlsafe(32)
        self.digest = token_digest(secret)
        return secret

    @staticmethod
    def holder(secret: str) -> str | None:
        """The name of the live (not revoked) token `secret` is, if any."""
        return (
            ApiToken.objects.filter(digest=token_digest(secret), revoked_at__isnull=True)
            .values_list("name", flat=True)
            .first()
        )


class Change(models.Model):
    """One entry of the audit history: who changed what, when."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.CharField(max_length=150)
    action = models.CharField(max_length=20)  # created | changed | deleted
    target_type = models.CharField(max_length=50)
    target = models.CharField(max_length=300)
    details = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.target}"


#: The states a shell reports its breaker for a fragment in, best to worst for the pages:
#: `disabled` (forced closed) and `closed` let every call through, `half_open` a few trial
#: calls, `open` and `forced_open` none.
BREAKER_STATES = ("disabled", "closed", "half_open", "open", "forced_open")
#: A report counts for a fragment's health (the admin's list) this long after it came in...
REPORT_FRESH = timedelta(seconds=30)
#: ...and is kept this long (pruned whenever a report is written).
REPORT_KEPT = timedelta(hours=1)
#: Bounds of a report: fragments per report, and each counter.
REPORT_MAX_FRAGMENTS = 500
REPORT_MAX_COUNT = 10**9
#: A report's traffic: at most this many points per fragment, one per report interval...
REPORT_TRAFFIC_POINTS = 30
#: ...of this many seconds (the shell's report interval; 2 s unless it says otherwise)...
REPORT_INTERVAL_S = (0.5, 60.0)
REPORT_DEFAULT_INTERVAL_S = 2.0
#: ...each with latencies of at most this many milliseconds.
REPORT_MAX_LATENCY_MS = 600_000.0


def reported_breaker_states(name: str, reports: Iterable[ShellReport]) -> list[str]:
    """The states the shells' `reports` give fragment `name`'s breaker, worst first."""
    states = [r.fragments[name]["state"] for r in reports if name in r.fragments]
    return sorted(states, key=BREAKER_STATES.index, reverse=True)


class ShellReport(models.Model):
    """The latest report of one shell: per fragment name (kept even when the registry has no
    such fragment: a shell may still know one just deleted), its circuit breaker's state and
    the counters of its current window, and its recent traffic. Replaced on each report,
    never audited: shells report every few seconds.

    `traffic` maps a fragment name to at most `REPORT_TRAFFIC_POINTS` points, oldest first,
    each `[t, requests, errors, p50_ms, p99_ms]` for one report interval (`interval_s`
    seconds) ending at unix time `t`; the latencies are null for an interval without
    requests. Shells that predate it send none: `{}`. The health dashboard
    (registry.dashboard) merges the fresh reports' traffic.
    """

    shell = models.CharField(max_length=100, unique=True, validators=[validate_shell_id])
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    fragments = models.JSONField(default=dict)
    traffic = models.JSONField(default=dict)
    interval_s = models.FloatField(
        default=REPORT_DEFAULT_INTERVAL_S,
        validators=[
            MinValueValidator(REPORT_INTERVAL_S[0]),
            MaxValueValidator(REPORT_INTERVAL_S[1]),
        ],
    )

    class Meta:
        ordering = ["shell"]

    def __str__(self) -> str:
        return self.shell

    @classmethod
    def record(
        cls,
        shell: str,
        fragments: dict,
        now: datetime | None = None,
        *,
        traffic: dict | None = None,
        interval_s: float = REPORT_DEFAULT_INTERVAL_S,
    ) -> None:
        """Store `shell`'s report in place of its last one (one upsert), and drop every
        report older than `REPORT_KEPT`, in one transaction."""
        now = now or timezone.now()
        report = cls(
            shell=shell,
            received_at=now,
            fragments=fragments,
            traffic=traffic or {},
            interval_s=interval_s,
        )
        with transaction.atomic():
            cls.objects.bulk_create(
                [report],
                update_conflicts=True,
                unique_fields=["shell"],
                update_fields=["received_at", "fragments", "traffic", "interval_s"],
            )
            cls.objects.filter(received_at__lt=now - REPORT_KEPT).delete()

    @classmethod
    def since(cls, age: timedelta, now: datetime | None = None) -> list[ShellReport]:
        """The reports received at most `age` ago."""
        return list(cls.objects.filter(received_at__gte=(now or timezone.now()) - age))


def heartbeat_ttl() -> timedelta:
    """How long an instance stays up after its last heartbeat (`TESSERA_REGISTRY_HEARTBEAT_TTL`)."""
    return timedelta(seconds=settings.REGISTRY_HEARTBEAT_TTL)


@dataclass(frozen=True)
class Restart:
    """When this registry process began serving, and what it found stored then.

    While a registry is down no heartbeat can arrive, so after an outage longer than the TTL
    every self-registered instance looks dead until its next heartbeat (up to a heartbeat
    interval later), and shells would be handed a snapshot without instances: pages failed
    with 503 although every fragment ran. So for one TTL from the moment it began serving, a
    process still counts an instance up if it was up when the registry last heard anything:
    its heartbeat is within a TTL of `last_heard`, the newest heartbeat stored before then
    (by this process's predecessor or any other replica). A live instance heartbeats within
    that TTL and is up by the ordinary rule from then on; one that died during the outage
    gets traffic for at most one TTL after the restart, as it would have had it died with the
    registry up; one that was already dead before the outage gets none.

    The moment is per process and kept in memory (`began_serving`): several replicas sharing
    one database each count from their own start. A replica starting while others serve
    finds `last_heard` current and so extends nothing the ordinary rule does not already.
    """

    serving_since: datetime
    last_heard: datetime | None

    def covers(self, last_heartbeat: datetime, now: datetime, ttl: timedelta) -> bool:
        """Whether an instance whose heartbeat is older than `ttl` is still up at `now`."""
        return (
            self.last_heard is not None
            and now <= self.serving_since + ttl
            and last_heartbeat >= self.last_heard - ttl
        )


#: This process's `Restart`, once it has begun serving: None before, and in every process
#: but the registry service itself (only that one records it, see registry.apps).
_restart: Restart | None = None
_restart_lock = threading.Lock()


def began_serving(at: datetime | None = None) -> Restart | None:
    """Record that this process began serving at `at` (now), once: what `is_up` needs to
    bridge the registry's own downtime (`Restart`). Later calls return the first record.

    Called before the first request over ASGI is handled (`registry.apps`), so the newest
    stored heartbeat is read before that request can write one. When the database cannot
    be read yet nothing is recorded, and the next request tries again.
    """
    global _restart
    with _restart_lock:
        if _restart is None:
            at = at or timezone.now()
            try:
                newest = (
                    Instance.objects.filter(manual=False, last_heartbeat__lt=at)
                    .aggregate(newest=models.Max("last_heartbeat"))
                    .get("newest")
                )
            except DatabaseError as exc:
                logger.warning("restart not recorded yet", extra={"error": str(exc)})
                return None
            _restart = Restart(serving_since=at, last_heard=newest)
            logger.info(
                "serving",
                extra={"since": at.isoformat(), "last_heard": newest and newest.isoformat()},
            )
        return _restart


def current_restart() -> Restart | None:
    """This process's `Restart`, or None before it began serving."""
    return _restart
