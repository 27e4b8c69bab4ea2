"""The operators' view of the registry."""

from django.contrib import admin

from registry.models import Fragment, Instance


class InstanceInline(admin.TabularInline):
    model = Instance
    extra = 0
    fields = ("base_url", "version", "last_heartbeat", "up")
    readonly_fields = ("last_heartbeat", "up")

    @admin.display(boolean=True)
    def up(self, instance: Instance) -> bool:
        return instance.is_up()


@admin.register(Fragment)
class FragmentAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "path_template", "timeout_ms", "primary", "enabled", "live")
    list_filter = ("enabled", "primary", "owner")
    search_fields = ("name", "owner", "description")
    inlines = [InstanceInline]

    @admin.display(description="live instances")
    def live(self, fragment: Fragment) -> int:
        return sum(1 for i in fragment.instances.all() if i.is_up())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("instances")


@admin.register(Instance)
class InstanceAdmin(admin.ModelAdmin):
    list_display = ("fragment", "base_url", "version", "last_heartbeat", "up")
    list_filter = ("fragment", "version")
    list_select_related = ("fragment",)

    @admin.display(boolean=True)
    def up(self, instance: Instance) -> bool:
        return instance.is_up()
