from django.contrib import admin
from django.urls import path

from registry.api import api

handler400 = "registry.api.bad_request"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
