"""Fragments and their instances: settings, health, traffic, breakers, preview, actions."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminBigIntegerFieldWidget
from django.forms import Script
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from registry.admin.health import ago, breaker_summary, heartbeat, instance_up, state_label
from registry.admin.preview import PREVIEW_QUERY, SHELL_PICKUP_S, preview_url, preview_values
from registry.admin.site import OperatorAdmin
from registry.models import (
    BREAKER_FORCED,
    REPORT_FRESH,
    REPORT_KEPT,
    Fragment,
    Instance,
    ShellReport,
)
from registry.validators import template_parameters


class InstanceInline(admin.TabularInline):
    model = Instance
    extra = 1  # a blank row to register a hand-run instance; left blank, it is ignored
    fields = ("base_url", "version", "weight", "manual", "last_heard", "up")
    readonly_fields = ("last_heard", "up")

    @admin.display(description="last heartbeat")
    def last_heard(self, instance: Instance) -> str:
        return heartbeat(instance)

    @admin.display(boolean=True)
    def up(self, instance: Instance) -> bool | None:
        return instance_up(instance)


class OwnerFilter(admin.SimpleListFilter):
    """Fragments by owning team; those without one under "(no owner)", a link with a name
    (Django's own filter would make it an empty link, which no screen reader can name)."""

    title = "owner"
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        owners = Fragment.objects.order_by("owner").values_list("owner", flat=True).distinct()
        return [(owner or "-", owner or "(no owner)") for owner in owners]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(owner="" if self.value() == "-" else self.value())


@admin.register(Fragment)
class FragmentAdmin(OperatorAdmin):
    # What is at stake first (is it serving, which versions, its breaker), settings after.
    list_display = (
        "name", "health", "traffic", "breaker", "enabled", "role", "timeout_ms", "owner",
    )  # fmt: skip
    list_filter = ("enabled", "primary", "is_async", OwnerFilter, "breaker_forced")
    search_fields = ("name", "owner", "description")
    inlines = [InstanceInline]
    actions = [
        "enable", "disable", "force_breaker_open", "force_breaker_closed", "breaker_automatic",
    ]  # fmt: skip
    readonly_fields = ("traffic", "breakers", "preview")

    class Media:
        js = (Script("registry/preview.js", type="module"),)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "max_body_bytes":  # 1048576 and more: the wide number box
            kwargs["widget"] = AdminBigIntegerFieldWidget
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    fieldsets = (
        (None, {"fields": ("name", "owner", "description", "enabled")}),
        (
            "Fetching",
            {
                "fields": (
                    "path_template",
                    "timeout_ms",
                    "max_body_bytes",
                    "forward_headers",
                    "cookies",
                ),
                "description": "Headers and cookies reach a fragment only when listed here.",
            },
        ),
        ("Role on the page", {"fields": ("primary", "required", "is_async")}),
        (
            "Versions and traffic",
            {
                "fields": ("traffic", "pinned_version", "canary_version", "canary_percent"),
                "description": "Pin the version that serves, or give a canary version a "
                "share of visitors (each visitor always sees the same version).",
            },
        ),
        (
            "Failure and caching",
            {
                "fields": (
                    "fallback_url",
                    "fallback_html",
                    "cache_max_age",
                    "cache_stale_if_error",
                )
            },
        ),
        (
            "Circuit breaker and bulkhead",
            {
                "fields": (
                    "breakers",
                    "breaker_forced",
                    "breaker_window_s",
                    "breaker_min_calls",
                    "breaker_failure_rate",
                    "breaker_slow_rate",
                    "breaker_slow_ms",
                    "breaker_open_s",
                    "breaker_half_open_calls",
                    "max_in_flight",
                ),
                "description": "Each shell keeps a breaker for this fragment: when too many "
                "of the window's calls fail or are slow it opens, and pages go straight to the "
                "fallback chain until trial calls succeed again. The bulkhead caps the "
                "requests a shell has in flight to the fragment.",
            },
        ),
        ("Preview", {"fields": ("preview",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("instances")

    @admin.display(description="versions: instances, share")
    def traffic(self, fragment: Fragment) -> str:
        live = [i.version for i in fragment.instances.all() if i.is_up()]
        if not fragment.pk or not live:
            return "—"
        shares = fragment.traffic(live)
        return "; ".join(
            f"{version}: {live.count(version)} instance{'s' if live.count(version) > 1 else ''},"
            f" {share:g}%"
            for version, share in shares.items()
        )

    @admin.display(description="role")
    def role(self, fragment: Fragment) -> str:
        """Its role on the page in one column (primary, required, async), where three
        columns of ticks would not fit beside the rest on a laptop."""
        roles = (
            ("primary", fragment.primary),
            ("required", fragment.required),
            ("async", fragment.is_async),
        )
        return ", ".join(role for role, on in roles if on) or "—"

    @admin.display(description="live instances")
    def health(self, fragment: Fragment) -> str:
        """Live / registered instances, live by `Instance.is_up` (what shells are handed),
        all at one moment."""
        instances = list(fragment.instances.all())
        now = timezone.now()
        return f"{sum(i.is_up(now) for i in instances)} / {len(instances)}"

    def get_list_display(self, request):
        """The list's "breaker" column reads the fresh reports once per page, not per row."""
        fresh = cache(lambda: ShellReport.since(REPORT_FRESH))

        @admin.display(description="breaker")
        def breaker(fragment: Fragment) -> str:
            return self.breaker(fragment, fresh())

        return tuple(
            breaker if item == "breaker" else item for item in super().get_list_display(request)
        )

    @admin.display(description="breaker")
    def breaker(self, fragment: Fragment, reports: Iterable[ShellReport] | None = None) -> str:
        """The worst state the shells that reported in the last 30 s give, and any forced
        state (`breaker_summary`)."""
        if reports is None:
            reports = ShellReport.since(REPORT_FRESH)
        return breaker_summary(fragment, reports)

    @admin.display(description="on the shells")
    def breakers(self, fragment: Fragment) -> str:
        """Each shell's last report on this fragment (within the hour reports are kept)."""
        if not fragment.pk:
            return "Save the fragment first."
        now = timezone.now()
        rows = [
            (report.shell, report.fragments[fragment.name], now - report.received_at)
            for report in ShellReport.since(REPORT_KEPT, now)
            if fragment.name in report.fragments
        ]
        if not rows:
            return "No shell has reported on this fragment in the last hour."
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td></tr>",
            (
                (
                    shell,
                    state_label(entry["state"]),
                    entry["calls"],
                    entry["failures"],
                    entry["slow"],
                    entry["rejected"],
                    ago(age) + (" (stale)" if age > REPORT_FRESH else ""),
                )
                for shell, entry, age in rows
            ),
        )
        return format_html(
            "<table><thead><tr><th>shell</th><th>state</th><th>calls</th><th>failures</th>"
            "<th>slow</th><th>rejected</th><th>reported</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            body,
        )

    def get_object(self, request, object_id, from_field=None):
        """The fragment, with the preview values the operator chose in the query (see
        `preview`), kept on the object only for this page."""
        fragment = super().get_object(request, object_id, from_field)
        if fragment is not None:
            fragment._preview_chosen = {
                key.removeprefix(PREVIEW_QUERY): value
                for key, value in request.GET.items()
                if key.startswith(PREVIEW_QUERY)
            }
        return fragment

    @admin.display(description="preview through the shell")
    def preview(self, fragment: Fragment) -> str:
        """The fragment as the shell serves it on its own (`/_fragment/<name>`), with a box
        per path parameter to choose its value (`preview_values`); a fragment saved just now
        is reloaded once the shells have had time to pick it up."""
        if not fragment.pk:
            return "Save the fragment first."
        values = preview_values(fragment, getattr(fragment, "_preview_chosen", {}))
        needed = template_parameters(fragment.path_template, optional=False)
        saved_ago = (timezone.now() - fragment.updated_at).total_seconds()
        return render_to_string(
            "admin/registry/fragment/preview.html",
            {
                "fragment": fragment,
                "base": f"{settings.SHELL_URL}/_fragment/{fragment.name}",
                "url": preview_url(fragment.name, values),
                "params": [(name, value, name in needed) for name, value in values.items()],
                "query": PREVIEW_QUERY,
                "live": any(i.is_up() for i in fragment.instances.all()),
                "reload_ms": max(0, round((SHELL_PICKUP_S - saved_ago) * 1000)),
                "pickup_s": SHELL_PICKUP_S,
            },
        )

    @admin.action(description="Enable the selected fragments")
    def enable(self, request, queryset) -> None:
        self._set_enabled(request, queryset, True)

    @admin.action(description="Disable the selected fragments")
    def disable(self, request, queryset) -> None:
        self._set_enabled(request, queryset, False)

    @admin.action(description="Force breaker open")
    def force_breaker_open(self, request, queryset) -> None:
        self._set_forced(request, queryset, "open")

    @admin.action(description="Force breaker closed")
    def force_breaker_closed(self, request, queryset) -> None:
        self._set_forced(request, queryset, "closed")

    @admin.action(description="Breaker automatic")
    def breaker_automatic(self, request, queryset) -> None:
        self._set_forced(request, queryset, "")

    @staticmethod
    def _set_forced(request, queryset, forced: str) -> None:
        count = 0
        for fragment in queryset:  # one save each, so every change reaches the history
            fragment.breaker_forced = forced
            fragment.save()
            count += 1
        state = dict(BREAKER_FORCED)[forced]
        messages.success(request, f"{count} fragment(s): breaker {state}.")

    @staticmethod
    def _set_enabled(request, queryset, enabled: bool) -> None:
        for fragment in queryset:  # one save each, so every change reaches the history
            fragment.enabled = enabled
            fragment.save()
        state = "enabled" if enabled else "disabled"
        messages.success(request, f"{queryset.count()} fragment(s) {state}.")


@admin.register(Instance)
class InstanceAdmin(OperatorAdmin):
    list_display = ("fragment", "base_url", "version", "weight", "manual", "last_heard", "up")
    list_filter = ("fragment", "version", "manual")
    list_select_related = ("fragment",)
    # Heartbeats set it; an operator editing it would only make the instance look alive.
    exclude = ("last_heartbeat",)
    readonly_fields = ("last_heard",)

    @admin.display(description="last heartbeat", ordering="last_heartbeat")
    def last_heard(self, instance: Instance) -> str:
        return heartbeat(instance)

    @admin.display(boolean=True)
    def up(self, instance: Instance) -> bool | None:
        return instance_up(instance)
