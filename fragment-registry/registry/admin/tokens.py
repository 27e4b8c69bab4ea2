"""Named API tokens: issued here (shown once), revoked here."""

from __future__ import annotations

from django.contrib import admin, messages
from django.shortcuts import render
from django.utils import timezone

from registry.admin.site import OperatorAdmin
from registry.models import (
    ApiToken,
)


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
