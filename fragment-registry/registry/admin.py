"""The operators' view of the registry: fragments, instances, pages and their history."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html

from registry.models import Change, Fragment, Instance, Page, Placement
from registry.validators import template_parameters

admin.site.site_header = "Tessera fragment registry"
admin.site.site_title = "Tessera registry"


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


class InstanceInline(admin.TabularInline):
    model = Instance
    extra = 1  # a blank row to register a hand-run instance; left blank, it is ignored
    fields = ("base_url", "version", "weight", "manual", "last_heartbeat", "up")
    readonly_fields = ("last_heartbeat", "up")

    @admin.display(boolean=True)
    def up(self, instance: Instance) -> bool:
        return instance.is_up()


class PlacementInline(admin.TabularInline):
    model = Placement
    extra = 1
    fields = ("slot", "fragment", "order")


@admin.register(Fragment)
class FragmentAdmin(admin.ModelAdmin):
    list_display = (
        "name", "owner", "enabled", "primary", "is_async", "timeout_ms", "traffic", "health",
    )  # fmt: skip
    list_filter = ("enabled", "primary", "is_async", "owner")
    search_fields = ("name", "owner", "description")
    inlines = [InstanceInline]
    actions = ["enable", "disable"]
    readonly_fields = ("traffic", "preview")
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
        ("Preview", {"fields": ("preview",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("instances")

    @admin.display(description="versions: instances, share of visitors")
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

    @admin.display(description="live instances")
    def health(self, fragment: Fragment) -> str:
        """Live / registered instances, live by `Instance.is_up` (what shells are handed),
        all at one moment."""
        instances = list(fragment.instances.all())
        now = timezone.now()
        return f"{sum(i.is_up(now) for i in instances)} / {len(instances)}"

    @admin.display(description="preview through the shell")
    def preview(self, fragment: Fragment) -> str:
        if not fragment.pk:
            return "Save the fragment first."
        params = {name: "SKU-1001" for name in template_parameters(fragment.path_template)}
        url = f"{settings.SHELL_URL}/_fragment/{fragment.name}"
        if params:
            url += "?" + urlencode(params)
        return format_html(
            '<iframe src="{}" title="Preview of {}" style="width:100%;height:360px;'
            'border:1px solid #ccc;border-radius:8px;background:#fff"></iframe>'
            '<p><a href="{}" target="_blank" rel="noopener">Open the preview</a></p>',
            url,
            fragment.name,
            url,
        )

    @admin.action(description="Enable the selected fragments")
    def enable(self, request, queryset) -> None:
        self._set_enabled(request, queryset, True)

    @admin.action(description="Disable the selected fragments")
    def disable(self, request, queryset) -> None:
        self._set_enabled(request, queryset, False)

    @staticmethod
    def _set_enabled(request, queryset, enabled: bool) -> None:
        for fragment in queryset:  # one save each, so every change reaches the history
            fragment.enabled = enabled
            fragment.save()
        state = "enabled" if enabled else "disabled"
        messages.success(request, f"{queryset.count()} fragment(s) {state}.")


@admin.register(Instance)
class InstanceAdmin(admin.ModelAdmin):
    list_display = ("fragment", "base_url", "version", "weight", "manual", "last_heartbeat", "up")
    list_filter = ("fragment", "version", "manual")
    list_select_related = ("fragment",)

    @admin.display(boolean=True)
    def up(self, instance: Instance) -> bool:
        return instance.is_up()


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ("name", "route", "layout", "title")
    inlines = [PlacementInline]


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "action", "target_type", "target")
    list_filter = ("action", "target_type", "actor")
    search_fields = ("target", "actor")
    readonly_fields = ("at", "actor", "action", "target_type", "target", "details")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
