"""Mount the backend's django-ninja router at the root; its OpenAPI docs at /docs."""

from importlib import import_module

from django.conf import settings
from django.urls import path

from tessera.runtime.openapi import DocumentedAPI, not_found

#: What a stub may answer besides success, on any operation.
REFUSALS = {"4XX": "refused: invalid input, nothing by that name, a conflict, or too many"}

api = DocumentedAPI(
    title=f"{settings.BACKEND} backend",
    urls_namespace=f"{settings.BACKEND}-api",
    refusals=REFUSALS,
)
api.add_router("/", import_module(f"backends.{settings.BACKEND}.api").router)

urlpatterns = [path("", api.urls)]


handler404 = not_found
