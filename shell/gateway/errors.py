"""The gateway's refusals, as JSON: BFF callers are scripts, not people reading HTML."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse


def csrf_failure(request: HttpRequest, reason: str = "") -> JsonResponse:
    """Django's CSRF_FAILURE_VIEW: a write without a valid CSRF token (cookie + header)."""
    return JsonResponse(
        {
            "detail": "CSRF check failed: send the csrftoken cookie's value in X-CSRFToken",
            "reason": reason,
        },
        status=403,
    )
