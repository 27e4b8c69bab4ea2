"""The operators' view of the registry: fragments, instances, pages and their history, and
the shells' circuit breakers as they report them.

The index opens with every fragment's health (`overview`); a page's placements choose their
slot among the layouts' (`SlotSelect`); a fragment's page previews it through the shell with
parameter values the operator chooses (`preview_values`). The admin's own stylesheet
(`OperatorAdmin`) fits its lists to a laptop's screen and its forms to a phone's.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminBigIntegerFieldWidget
from django.db.models import Max
from django.forms import Script
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from registry.models import (
    BREAKER_FORCED,
    REPORT_FRESH,
    REPORT_KEPT,
    ApiToken,
    Change,
    Fragment,
    Instance,
    Layout,
    Page,
    Placement,
    ShellReport,
    reported_breaker_states,
)
from registry.validators import template_parameters
from tessera.runtime.contract import ROUTE_PLACEHOLDER

admin.site.site_header = "Tessera fragment registry"
admin.site.site_title = "Tessera registry"
#: "View site" opens the storefront the registry configures, not the registry's own root.
admin.site.site_url = settings.SHELL_URL
#: The index links to the fragment health dashboard (registry.dashboard).
admin.site.index_template = "admin/registry/index.html"


def locked_out(request: HttpRequest, *_: object) -> HttpResponse:
    """What a login gets while django-axes locks it out (`AXES_LOCKOUT_CALLABLE`): the
    admin's page with the reason and how long the lock lasts, status 429."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed logins",
        "failures": settings.AXES_FAILURE_LIMIT,
        "minutes": minutes,
    }
    return render(request, "registry/locked_out.html", context, status=429)


def _state(state: str) -> str:
    return state.replace("_", " ")


def _ago(age: timedelta) -> str:
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
            else f"{_state(worst)} on {states.count(worst)}/{len(states)} shells"
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


#: Seconds a shell may take to pick up a fragment saved here: shells poll the registry's
#: snapshot every second by default (the shell's TESSERA_SNAPSHOT_POLL_INTERVAL), and until
#: then one answers a new fragment's preview "no such fragment".
SHELL_PICKUP_S = 3
#: The change page's query parameters choosing preview values: `preview-<parameter>=<value>`.
PREVIEW_QUERY = "preview-"
#: What a `{sku}` parameter is previewed with until the operator chooses: a product the
#: catalog has.
SAMPLE_SKU = "SKU-1001"


def preview_values(fragment: Fragment, chosen: Mapping[str, str]) -> dict[str, str]:
    """Each of the fragment's path parameters, in the template's order, with the value its
    preview uses: the operator's choice, else the first value a placement of it fixes, else
    `SAMPLE_SKU` for a parameter named sku, else empty (left out of the URL: the shell leaves
    a query parameter empty, and asks for a path parameter)."""
    names = dict.fromkeys(name for name, _ in ROUTE_PLACEHOLDER.findall(fragment.path_template))
    placed: dict[str, str] = {}
    for params in fragment.placements.values_list("params", flat=True):
        for name, value in (params or {}).items():
            placed.setdefault(name, value)
    fallback = {"sku": SAMPLE_SKU}
    return {
        name: chosen[name] if name in chosen else placed.get(name, fallback.get(name, ""))
        for name in names
    }


def preview_url(name: str, values: Mapping[str, str]) -> str:
    """The shell's `/_fragment/<name>` URL for these parameter values, empty ones left out."""
    url = f"{settings.SHELL_URL}/_fragment/{name}"
    query = urlencode({k: v for k, v in values.items() if v})
    return f"{url}?{query}" if query else url


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


#: The admin's stylesheet, on every page of the registry's models (and the index).
OPERATOR_CSS = "registry/admin.css"


class OperatorAdmin(admin.ModelAdmin):
    """A registry model's admin, with the registry's stylesheet: its lists fit a laptop's
    screen and its forms a phone's."""

    class Media:
        css = {"all": (OPERATOR_CSS,)}


#: Where a slot select puts a stored or posted slot no layout offers, so that the form shows
#: it (and the model's validation says what is wrong with it) instead of silently blanking it.
OTHER_SLOTS = "not in any layout"


class SlotSelect(forms.Select):
    """The slots of every layout, one <optgroup> per layout (labelled with its name): without
    script the operator picks from the page's layout's group; registry/placement_slots.js
    shows only that group. The model's validation still refuses a slot the page's layout
    lacks, with its message."""

    def optgroups(self, name, value, attrs=None):
        groups = [group for _, group in self.choices if isinstance(group, (list, tuple))]
        offered = {str(slot) for group in groups for slot, _ in group}
        if stray := [v for v in value if v and v not in offered]:
            # This form's own widget: a form deep-copies its fields, widgets with them.
            self.choices = [*self.choices, (OTHER_SLOTS, [(v, v) for v in stray])]
        return super().optgroups(name, value, attrs)


def slot_choices() -> list[tuple[str, Any]]:
    """The blank choice, then each published layout's slots as a group named after it."""
    layouts = Layout.objects.values_list("name", "slots")
    return [("", "---------"), *((name, [(s, s) for s in slots]) for name, slots in layouts)]


class ParamsField(forms.JSONField):
    """A placement's own parameters as a JSON object, where an empty box means none: `{}`
    shows as an empty box (and its placeholder, an example, shows)."""

    def to_python(self, value):
        converted = super().to_python(value)
        return {} if converted is None else converted

    def prepare_value(self, value):
        return "" if value == {} else super().prepare_value(value)


class PlacementForm(forms.ModelForm):
    """A placement in the page's inline: the slot chosen from the layouts' (`SlotSelect`),
    its own parameters in a small JSON box (`ParamsField`)."""

    class Meta:
        model = Placement
        fields = ("slot", "fragment", "order", "params")
        field_classes = {"params": ParamsField}
        widgets = {
            "params": forms.Textarea(
                attrs={"rows": 1, "cols": 28, "placeholder": '{"limit": "4"}'}
            ),
        }


class PlacementInline(admin.TabularInline):
    model = Placement
    form = PlacementForm
    extra = 1
    fields = ("slot", "fragment", "order", "params")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "slot":  # read per request: shells publish layouts at any time
            kwargs["widget"] = SlotSelect(choices=slot_choices())
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Fragment)
class FragmentAdmin(OperatorAdmin):
    # What is at stake first (is it serving, which versions, its breaker), settings after.
    list_display = (
        "name", "health", "traffic", "breaker", "enabled", "role", "timeout_ms", "owner",
    )  # fmt: skip
    list_filter = ("enabled", "primary", "is_async", "owner", "breaker_forced")
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
                    _state(entry["state"]),
                    entry["calls"],
                    entry["failures"],
                    entry["slow"],
                    entry["rejected"],
                    _ago(age) + (" (stale)" if age > REPORT_FRESH else ""),
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


@admin.register(Page)
class PageAdmin(OperatorAdmin):
    list_display = ("name", "route", "layout", "title")
    inlines = [PlacementInline]

    class Media:
        js = (Script("registry/placement_slots.js", type="module"),)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "layout":  # a choice of the layouts shells have published
            names = Layout.objects.values_list("name", flat=True)
            kwargs["widget"] = forms.Select(choices=[("", "---------")] + [(n, n) for n in names])
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Layout)
class LayoutAdmin(OperatorAdmin):
    """The layouts shells have published: shells own them (their layouts folder), so they
    are read here; one no page uses any more may be deleted."""

    list_display = ("name", "slot_list", "published_at", "pages")
    readonly_fields = ("name", "slots", "published_at")

    @admin.display(description="slots")
    def slot_list(self, layout: Layout) -> str:
        return ", ".join(layout.slots)

    @admin.display(description="pages using it")
    def pages(self, layout: Layout) -> int:
        return Page.objects.filter(layout=layout.name).count()

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and Page.objects.filter(layout=obj.name).exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(ApiToken)
class ApiTokenAdmin(OperatorAdmin):
    """Named API tokens: issued here (the token is shown once, on the page that follows),
    revoked here, each write with one in the history under its name."""

    list_display = ("name", "created_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    fields = ("name", "created_at", "revoked_at")
    readonly_fields = ("created_at", "revoked_at")
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        # A token's name is who its writes were made by: fixed once issued.
        return (*self.readonly_fields, "name") if obj else self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj._issued = obj.issue()  # kept on the object only until the page below
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        """The page showing the new token, once: not through messages, which a cookie may
        carry."""
        return render(
            request,
            "admin/registry/apitoken/issued.html",
            {**self.admin_site.each_context(request), "token": obj, "secret": obj._issued,
             "opts": self.model._meta, "title": f"API token {obj.name}"},
        )  # fmt: skip

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset) -> None:
        now = timezone.now()
        for token in queryset.filter(revoked_at__isnull=True):
            token.revoked_at = now
            token.save(update_fields=["revoked_at"])
        messages.success(request, "Revoked: writes with them are refused from now on.")


class ChurnFilter(admin.SimpleListFilter):
    """Self-registering instances coming and going (every deploy and restart) hidden by
    default: the history an operator opens shows what people and tools changed."""

    title = "instances registering themselves"
    parameter_name = "churn"

    def lookups(self, request, model_admin):
        return [("shown", "shown")]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "hidden",
        }
        yield from list(super().choices(changelist))[1:]  # "shown" (not Django's "All")

    def queryset(self, request, queryset):
        if self.value() == "shown":
            return queryset
        return queryset.exclude(
            target_type="instance", action__in=("created", "deleted"), details__manual=False
        )


@admin.register(Change)
class ChangeAdmin(OperatorAdmin):
    list_display = ("at", "actor", "action", "target_type", "target")
    list_filter = (ChurnFilter, "action", "target_type", "actor")
    search_fields = ("target", "actor")
    readonly_fields = ("at", "actor", "action", "target_type", "target", "details")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
