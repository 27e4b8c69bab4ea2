"""The audit history: who changed what, self-registration churn hidden by default."""

from __future__ import annotations

from django.contrib import admin

from registry.admin.site import OperatorAdmin
from registry.models import (
    Change,
)


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
