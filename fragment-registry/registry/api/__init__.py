"""The registry's HTTP API, under /api/v1/: every object operators configure (fragments,
instances, pages and their placements, layouts), self-registration for fragment services,
snapshots and reports for shells.

Writes need a registry token (`Authorization: Bearer ...`: the environment's, or a named one
issued in the admin), and each is in the audit history under the token's name. Reads are
open: they expose only what every shell must know anyway, and the registry listens on an
internal address. Bad input gets 422 naming each wrong field and why (the bodies are in
registry.schemas, the rules in the models, which the admin uses too), and nothing is stored.
Each object has an `ETag`; a write with `If-Match` is refused with 412 when the object
changed since it was read.
"""

from __future__ import annotations

from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.views import defaults
from ninja import NinjaAPI

from registry.api import fragments, instances, layouts, pages, shells
from tessera.runtime.problem import problem

api = NinjaAPI(
    title="Tessera fragment registry",
    version="1",
    urls_namespace="registry-api",
    description="Service discovery and configuration for Tessera's fragments.",
)
for module in (instances, fragments, pages, layouts, shells):
    api.add_router("/v1/", module.router)


@api.exception_handler(IntegrityError)
def conflict(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    """Two writes creating the same object at once (a name or route both checked free): the
    database keeps one, the other is told to read again, not answered with a 500."""
    return problem(409, "a concurrent change took this name or route first: read it again")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's own 400 (`handler400`: a Host not in ALLOWED_HOSTS, a suspicious request):
    JSON under /api/, like every other answer there; Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return problem(400, "Bad Request")
    return defaults.bad_request(request, exception)
