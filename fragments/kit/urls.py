"""The URLs every fragment service has: its fragment, its BFF, its static assets."""

from __future__ import annotations

from django.conf import settings
from django.urls import path

from fragments.kit.fragment import load
from fragments.kit.views import fragment_view
from tessera.runtime.openapi import DocumentedAPI, not_found

#: What a BFF may answer besides success, on any operation.
REFUSALS = {
    "4XX": "refused: invalid input, no visitor, nothing by that name, a conflict, or too many",
    "502": "a backend this BFF needs failed or could not be reached",
}

fragment = load(settings.FRAGMENT)

urlpatterns = [
    path(
        fragment.django_path(),
        fragment_view(fragment, settings.FRAGMENT_VERSION),
        name="fragment",
    )
]

if fragment.bff is not None:
    bff = DocumentedAPI(
        title=f"{fragment.name} BFF",
        version=settings.FRAGMENT_VERSION,
        urls_namespace=f"{fragment.name}-bff",
        refusals=REFUSALS,
    )
    bff.add_router("/", fragment.bff)
    urlpatterns.append(path(f"bff/{fragment.name}/", bff.urls))


handler404 = not_found
