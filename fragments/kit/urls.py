"""The URLs every fragment service has: its fragment, its BFF, its static assets."""

from __future__ import annotations

from django.conf import settings
from django.urls import path
from ninja import NinjaAPI

from fragments.kit.fragment import load
from fragments.kit.views import fragment_view

fragment = load(settings.FRAGMENT)

urlpatterns = [
    path(
        fragment.django_path(),
        fragment_view(fragment, settings.FRAGMENT_VERSION),
        name="fragment",
    )
]

if fragment.bff is not None:
    bff = NinjaAPI(
        title=f"{fragment.name} BFF",
        version=settings.FRAGMENT_VERSION,
        urls_namespace=f"{fragment.name}-bff",
    )
    bff.add_router("/", fragment.bff)
    urlpatterns.append(path(f"bff/{fragment.name}/", bff.urls))
