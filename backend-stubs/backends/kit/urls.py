"""Mount the backend's django-ninja router at the root; its OpenAPI docs at /docs."""

from importlib import import_module

from django.conf import settings
from django.urls import path
from ninja import NinjaAPI

api = NinjaAPI(title=f"{settings.BACKEND} backend", urls_namespace=f"{settings.BACKEND}-api")
api.add_router("/", import_module(f"backends.{settings.BACKEND}.api").router)

urlpatterns = [path("", api.urls)]
