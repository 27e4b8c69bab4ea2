from django.contrib import admin
from django.urls import path

from registry import dashboard
from registry.api import api

handler400 = "registry.api.bad_request"

urlpatterns = [
    *dashboard.urlpatterns,  # under admin/, before the admin's own catch-all
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
