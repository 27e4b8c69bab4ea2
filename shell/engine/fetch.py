"""Fetching one fragment: pick an instance, GET it within the fragment's deadline.

The deadline is total (see `deadline.py`), so a fragment that drip-feeds bytes still ends on
time; a page's fetches with the same timeout share one. A connection error is retried once
on another instance, inside the same deadline, and the instance that refused rests for a
while (see balance.py).
"""

from __future__ import annotations

from shell.engine.balance import pick_instance, pick_other, rest
from shell.engine.config import FragmentConfig
from shell.engine.deadline import Deadline
from shell.engine.httpclient import (
    Client,
    ConnectError,
    ConnectionClosed,
    HTTPClientError,
    Response,
)

__all__ = ["FetchError", "Response", "close", "fetch", "fetch_url", "open_connections"]


class FetchError(Exception):
    """The fragment could not be fetched: no instance, timeout, connection or protocol error."""


client = Client()


async def fetch(
    config: FragmentConfig,
    path: str,
    headers: bytes,
    max_body_bytes: int | None = None,
    visitor: str | None = None,
    deadline: Deadline | None = None,
) -> Response:
    """GET `path` from an instance of `config` (for `visitor`, who may be in a canary) with
    encoded `headers`; the whole response, within `deadline` (by default, its own of the
    fragment's timeout from now)."""
    base = pick_instance(config, visitor)
    if base is None:
        raise FetchError("no live instance")
    try:
        with deadline or Deadline(config.timeout):
            try:
                return await client.get(base + path, headers, max_body_bytes)
            except (ConnectError, ConnectionClosed) as exc:
                if isinstance(exc, ConnectError):
                    rest(base)
                other = pick_other(config, visitor, base)
                if other is None or getattr(exc, "received_any", False):
                    raise
                try:
                    return await client.get(other + path, headers, max_body_bytes)
                except ConnectError:
                    rest(other)
                    raise
    except TimeoutError:
        raise FetchError(f"no complete response within {config.timeout_ms} ms") from None
    except HTTPClientError as exc:
        raise FetchError(str(exc)) from None


async def fetch_url(url: str, headers: bytes, max_body_bytes: int, within: float) -> Response:
    """GET one URL (e.g. a fragment's fallback URL), the whole response within `within`
    seconds from now."""
    try:
        with Deadline(within):
            return await client.get(url, headers, max_body_bytes)
    except TimeoutError:
        raise FetchError(f"no complete response within {within * 1000:.0f} ms") from None
    except HTTPClientError as exc:
        raise FetchError(str(exc)) from None


def open_connections() -> int:
    """Connections to fragment instances the shell holds open now (idle or in use)."""
    return client.open_connections


async def close() -> None:
    """Close pooled connections (at shutdown)."""
    await client.aclose()
