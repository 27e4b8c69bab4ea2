"""HTTP clients for the backend services a fragment's BFF calls (httpx, pooled)."""

from __future__ import annotations

import httpx

from tessera.conf import env_float, service_url

_clients: dict[str, httpx.AsyncClient] = {}


class BackendError(Exception):
    """A backend answered with an error or could not be reached."""


def backend(name: str) -> httpx.AsyncClient:
    """The shared client for backend `name`, created on first use."""
    client = _clients.get(name)
    if client is None:
        client = httpx.AsyncClient(
            base_url=service_url(name),
            timeout=env_float("TESSERA_BACKEND_TIMEOUT", 2.0),
            headers={"User-Agent": "tessera-fragment"},
        )
        _clients[name] = client
    return client


async def get_json(name: str, path: str, **params: object) -> object:
    """GET `path` from backend `name` and return its JSON; BackendError on any failure."""
    try:
        response = await backend(name).get(
            path, params={k: v for k, v in params.items() if v is not None}
        )
        response.raise_for_status()
        return response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise BackendError(f"{name} {path}: {exc}") from exc


async def close_all() -> None:
    """Close every backend client (at shutdown)."""
    for client in _clients.values():
        await client.aclose()
    _clients.clear()
