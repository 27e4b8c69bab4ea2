from django.urls import path

from shell.gateway import relay

# Whatever Django answers itself (a path no pattern matches, e.g. with an encoded line
# break; a request it cannot read) is for scripts calling the gateway: JSON, as the rest.
handler400 = "tessera.runtime.problem.bad_request"
handler404 = "tessera.runtime.problem.not_found"

urlpatterns = [
    path("bff/<str:fragment>/", relay, name="bff-root"),
    path("bff/<str:fragment>/<path:rest>", relay, name="bff"),
    path("_assets/<str:fragment>/<path:rest>", relay, name="assets"),
]
