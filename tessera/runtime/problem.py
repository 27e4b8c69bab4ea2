"""The one shape of every refusal a Tessera JSON endpoint answers: `{"detail": ...}`.

Kept apart from openapi.py (the django-ninja API that documents the shape) so that a service
with no ninja API of its own, the shell's `/bff/` gateway, answers in the same shape without
importing ninja and pydantic: about 10 MB of the shell's memory.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse


def problem(status: int, detail: Any) -> JsonResponse:
    """A refusal in the one shape every service answers: `{"detail": ...}`."""
    return JsonResponse({"detail": detail}, status=status)


def not_found(request: HttpRequest, exception: Exception) -> JsonResponse:
    """`handler404` of a JSON service: a path nothing serves (e.g. with an empty segment)."""
    return problem(404, "Not Found")


def bad_request(request: HttpRequest, exception: Exception) -> JsonResponse:
    """`handler400` of a JSON service: a request Django could not read."""
    return problem(400, "Bad Request")
