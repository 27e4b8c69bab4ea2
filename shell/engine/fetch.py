"""Fetching one fragment over HTTP, with a total deadline.

This module is the only place the engine talks HTTP to fragments. It uses a shared httpx
client for now; the engine's own pooled asyncio/httptools client replaces it behind the same
`fetch()` signature.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

#: The largest fragment body accepted; reading stops once it is exceeded.
MAX_BODY_BYTES = 1 << 20


class FetchError(Exception):
    """The fragment could not be fetched: timeout, connection error or oversized body."""


@dataclass(frozen=True)
class FragmentResponse:
    status: int
    headers: Mapping[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes


_client: httpx.AsyncClient | None = None


def _http() -> httpx.AsyncClient:
    global _client
    if _client is None:
        _client = httpx.AsyncClient(
            timeout=None,  # noqa: S113 - the total deadline in fetch() replaces socket timeouts
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=100),
            follow_redirects=False,
        )
    return _client


async def fetch(url: str, headers: Mapping[str, str], deadline: float) -> FragmentResponse:
    """GET `url` and read the whole response within `deadline` seconds."""
    try:
        async with asyncio.timeout(deadline):
            async with _http().stream("GET", url, headers=dict(headers)) as response:
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_raw():
                    size += len(chunk)
                    if size > MAX_BODY_BYTES:
                        raise FetchError(f"body larger than {MAX_BODY_BYTES} bytes")
                    chunks.append(chunk)
                return FragmentResponse(
                    response.status_code,
                    {k.lower(): ", ".join(response.headers.get_list(k)) for k in response.headers},
                    b"".join(chunks),
                )
    except TimeoutError:
        raise FetchError(f"no complete response within {deadline * 1000:.0f} ms") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}") from None


async def close() -> None:
    """Close pooled connections (at shutdown)."""
    global _client
    if _client is not None:
        await _client.aclose()
        _client = None
