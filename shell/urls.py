from django.urls import path

from shell.gateway import relay

urlpatterns = [
    path("bff/<str:fragment>/", relay, name="bff-root"),
    path("bff/<str:fragment>/<path:rest>", relay, name="bff"),
    path("_assets/<str:fragment>/<path:rest>", relay, name="assets"),
]
