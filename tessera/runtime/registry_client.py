"""A client of the fragment registry's API for the services that write to it: fragment
services registering and heartbeating, shells publishing their layouts."""

from __future__ import annotations

import httpx

#: Seconds a call to the registry may take: it is never on a request's path, and the next
#: try comes on the caller's next tick.
TIMEOUT = 2.0


def registry_client(
    registry_url: str, token: str, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """An async client for `<registry_url>/api/v1` carrying the registry token."""
    return httpx.AsyncClient(
        base_url=registry_url.rstrip("/") + "/api/v1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
        transport=transport,
    )
