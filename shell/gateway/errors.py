"""The gateway's refusals, as JSON: BFF callers are scripts, not people reading HTML."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

#: What Django's CSRF check says (its `reason`) when a write comes from elsewhere: an
#: `Origin` that is not the shop's (another site's, or `null` from a sandboxed frame or a
#: file), or on HTTPS a `Referer` missing, malformed, insecure or another site's
#: (django/middleware/csrf.py, REASON_BAD_ORIGIN and REASON_*_REFERER).
ORIGIN_REASONS = ("Origin checking failed", "Referer checking failed")
FROM_ELSEWHERE = (
    "CSRF check failed: this request's origin is not this shop's; "
    "writes are taken only from the shop's own pages"
)
SEND_THE_COOKIE = "CSRF check failed: send the csrftoken cookie's value in X-CSRFToken"


def csrf_failure(request: HttpRequest, reason: str = "") -> JsonResponse:
    """Django's CSRF_FAILURE_VIEW: a write from another origin, or without a valid CSRF token
    (cookie + header); the detail says which, the reason is Django's."""
    detail = FROM_ELSEWHERE if reason.startswith(ORIGIN_REASONS) else SEND_THE_COOKIE
    return JsonResponse({"detail": detail, "reason": reason}, status=403)
