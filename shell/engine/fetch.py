"""Fetching one fragment: pick an instance, GET it within the fragment's deadline, guarded.

The deadline is total (see `deadline.py`), so a fragment that drip-feeds bytes still ends on
time; a page's fetches with the same timeout share one. Before anything is sent, the
fragment's circuit breaker (breaker.py) or its bulkhead (a cap on requests in flight to an
instance, kept by the client's pool) may refuse: the page then goes straight to the
fallback chain. A connection error is retried once on another instance, inside the same
deadline and the fragment's retry budget (retry_budget.py), and every failure of an
instance counts towards its ejection (ejection.py).
"""

from __future__ import annotations

import time

from shell.engine.balance import pick_instance, pick_other, visitor_pool
from shell.engine.breaker import Breaker
from shell.engine.config import FragmentConfig
from shell.engine.deadline import Deadline
from shell.engine.ejection import ejections
from shell.engine.httpclient import (
    Client,
    ConnectError,
    ConnectionClosed,
    HTTPClientError,
    Overloaded,
    Response,
)
from shell.engine.retry_budget import retry_budget

__all__ = ["FetchError", "Response", "close", "fetch", "fetch_url", "open_connections"]


class FetchError(Exception):
    """The fragment could not be fetched: no instance, timeout, connection or protocol error,
    or refused before asking (`via` says by what: "breaker-open", "bulkhead-full").
    `ejected`: the failure took an instance out of the rotation (ejection.py)."""

    def __init__(self, message: str, via: str = "", ejected: bool = False) -> None:
        super().__init__(message)
        self.via = via
        self.ejected = ejected


#: What `fetch` notes as a response's `via`: another instance answered for the one first
#: asked, which could not be reached; the answer (a 5xx) took its instance out of rotation.
RETRIED, EJECTED = "retried", "ejected"


client = Client()


async def fetch(
    config: FragmentConfig,
    path: str,
    headers: bytes,
    started: float,
    visitor: str | None = None,
    deadline: Deadline | None = None,
) -> Response:
    """GET `path` from an instance of `config` (for `visitor`, who may be in a canary) with
    encoded `headers`; the whole response, within `deadline` (by default, its own of the
    fragment's timeout from now), its `via` noting a retry or an ejection. `started` is when
    the caller began (`time.perf_counter`): the breaker's durations count from then.

    One function rather than a stage per guard: it runs for every fragment of every page,
    and each Python call costs more than the guards' own work.
    """
    breaker = config.circuit
    if not breaker.passing and not breaker.allow():
        raise FetchError("circuit breaker open", "breaker-open")
    base = pick_instance(config, visitor)
    if base is None:
        _failed(config, visitor, None, breaker, started)
        raise FetchError("no live instance")
    body_cap, in_flight_cap = config.max_body_bytes, config.max_in_flight
    retried = ejected = False  # asked another instance; ejected one on the way
    try:
        with deadline or Deadline(config.timeout):
            try:
                response = await client.get(base + path, headers, body_cap, in_flight_cap)
            except (ConnectError, ConnectionClosed) as exc:
                base, ejected = _retry_instead(config, visitor, base, exc)
                retried = True
                response = await client.get(base + path, headers, body_cap, in_flight_cap)
    except TimeoutError:
        ejected = _failed(config, visitor, base, breaker, started) or ejected
        raise FetchError(
            f"no complete response within {config.timeout_ms} ms", ejected=ejected
        ) from None
    except Overloaded as exc:  # the bulkhead: not the fragment's failure
        breaker.release()
        raise FetchError(str(exc), "bulkhead-full", ejected) from None
    except HTTPClientError as exc:
        refused = isinstance(exc, ConnectError)
        ejected = _failed(config, visitor, base, breaker, started, refused) or ejected
        raise FetchError(str(exc), ejected=ejected) from None
    except BaseException:  # cancelled: the page no longer wants it
        breaker.release()
        raise
    if retried:
        response.via = RETRIED
    if response.status >= 500:
        if _failed(config, visitor, base, breaker, started) or ejected:
            response.via = EJECTED
    else:
        if breaker.passing and not breaker.timed:
            breaker.fast_successes += 1  # see breaker.py: the hot path's way to count
        else:
            breaker.record(True, (time.perf_counter() - started) * 1000)
        if ejections.failures:
            ejections.succeeded(base)
    return response


def _retry_instead(
    config: FragmentConfig, visitor: str | None, base: str, failure: HTTPClientError
) -> tuple[str, bool]:
    """Another instance to ask after `base` could not be reached, and whether `base` is now
    ejected; re-raises `failure` when there is none, the request may have been acted on, or
    the fragment's retry budget is spent."""
    other = pick_other(config, visitor, base)
    if other is None or getattr(failure, "received_any", False):
        raise failure
    if not retry_budget.spend(config.name, config.circuit.calls):
        raise failure
    refused = isinstance(failure, ConnectError)
    return other, ejections.failed(base, visitor_pool(config, visitor), refused)


def _failed(
    config: FragmentConfig,
    visitor: str | None,
    base: str | None,
    breaker: Breaker,
    started: float,
    refused: bool = False,
) -> bool:
    """Count a failed request against the fragment's breaker and its instance; whether the
    instance is now ejected."""
    breaker.record(False, (time.perf_counter() - started) * 1000)
    if base is None:
        return False
    return ejections.failed(base, visitor_pool(config, visitor), refused)


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
