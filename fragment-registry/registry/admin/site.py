"""The admin site as operators meet it: its titles, where "View site" leads, the page a
locked-out login gets, and the stylesheet every registry page loads (`OperatorAdmin`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

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


#: The admin's stylesheet, on every page of the registry's models (and the index).
OPERATOR_CSS = "registry/admin.css"


class OperatorAdmin(admin.ModelAdmin):
    """A registry model's admin, with the registry's stylesheet: its lists fit a laptop's
    screen and its forms a phone's."""

    class Media:
        css = {"all": (OPERATOR_CSS,)}
