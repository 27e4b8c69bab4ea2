"""What the shell tells a fragment about the request: allowlisted headers plus context.

Forwarding is an allowlist on purpose (security): cookies, credentials and anything else the
browser sent stay with the shell unless a fragment is configured to receive them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

#: Request headers passed through to fragments unchanged.
FORWARDED_HEADERS = (b"accept-language", b"user-agent", b"referer")


def new_request_id() -> str:
    return uuid.uuid4().hex


def fragment_headers(
    request_headers: Iterable[tuple[bytes, bytes]], *, request_id: str, path: str
) -> dict[str, str]:
    """The headers the shell sends with every fragment request of one page."""
    headers = {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in request_headers
        if name in FORWARDED_HEADERS
    }
    headers["x-request-id"] = request_id
    headers["x-tessera-path"] = path
    headers["accept"] = "text/html"
    return headers
