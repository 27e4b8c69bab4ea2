"""Resolving one placement to an `Outcome`: fetch it, check it, or fall back.

The fallback chain for a failed fragment, in order: its fallback URL, its fallback HTML, a
placeholder that the browser retries (see retry.py; not for the primary), and finally
nothing. A failure here never raises: the page decides what an outcome
means (only the primary's and required fragments' failures can fail the page).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from urllib.parse import unquote

from shell.engine.assets import fragment_assets
from shell.engine.containment import contain, contain_body
from shell.engine.deadline import Deadline
from shell.engine.events import emit_fragment_resolved
from shell.engine.fetch import FetchError, Response, fetch, fetch_url
from shell.engine.outcome import Outcome
from shell.engine.plan import Placement
from shell.engine.retry import placeholder

#: Page-level response headers a primary fragment may set.
TITLE_HEADER = b"x-page-title"
DESCRIPTION_HEADER = b"x-page-description"


def _html(response: Response) -> str:
    """The response's HTML, decoded and contained (see containment.py)."""
    content_type = response.header(b"content-type") or ""
    if not content_type.startswith("text/html"):
        raise FetchError(f"content type {content_type or 'missing'!r} is not text/html")
    try:
        return contain_body(response.url, response.header(b"etag"), response.body)
    except UnicodeDecodeError:
        raise FetchError("body is not valid UTF-8") from None


def _text(value: str | None) -> str:
    """A text header of the contract: UTF-8, percent-encoded (header bytes are Latin-1)."""
    return unquote(value) if value else ""


def _accepted(placement: Placement, response: Response, started: float) -> Outcome:
    """The outcome of a response that arrived; raises FetchError when it is a failure."""
    assert placement.config is not None
    primary = placement.config.primary
    status = response.status
    elapsed = (time.perf_counter() - started) * 1000
    if primary and status in (301, 302, 303, 307, 308):
        location = response.header(b"location")
        if not location:
            raise FetchError(f"redirect {status} without Location")
        return Outcome(
            placement.name, "redirect", duration_ms=elapsed, location=location, status=status
        )
    if primary and status == 404:
        return Outcome(placement.name, "not-found", duration_ms=elapsed, status=404)
    if status != 200:
        raise FetchError(f"status {status}")
    link = response.header(b"link")
    assets = fragment_assets(link, placement.name) if link else ()
    outcome = Outcome(placement.name, "ok", _html(response), elapsed, assets, status)
    if primary:  # the page-level headers only the primary may set
        outcome.title = _text(response.header(TITLE_HEADER))
        outcome.description = _text(response.header(DESCRIPTION_HEADER))
        outcome.set_cookies = tuple(
            v.decode("latin-1") for n, v in response.raw_headers if n == b"set-cookie"
        )
    return outcome


async def _fallback_url(placement: Placement, headers: bytes) -> str | None:
    config = placement.config
    if config is None or not config.fallback_url:
        return None
    try:
        response = await fetch_url(
            config.fallback_url, headers, config.max_body_bytes, config.timeout
        )
        return _html(response) if response.status == 200 else None
    except FetchError:
        return None


async def resolve(
    placement: Placement,
    params: Mapping[str, str],
    headers: bytes,
    visitor: str | None = None,
    request_id: str = "",
    deadline: Deadline | None = None,
) -> Outcome:
    """Fetch `placement` (within `deadline`, if given) and return its outcome, falling back
    as far as needed.

    Every outcome is also announced as a `fragment_resolved` event for page `request_id`.
    """
    started = time.perf_counter()
    config = placement.config
    if config is None:
        outcome = Outcome(placement.name, "empty", error="not registered or disabled")
    else:
        try:
            response = await fetch(
                config, placement.path, headers, config.max_body_bytes, visitor, deadline
            )
            outcome = _accepted(placement, response, started)
        except FetchError as exc:
            outcome = await _fall_back(placement, params, headers, str(exc), started)
    emit_fragment_resolved(outcome, request_id)
    return outcome


async def _fall_back(
    placement: Placement, params: Mapping[str, str], headers: bytes, error: str, started: float
) -> Outcome:
    """The outcome of a failed fetch: the first step of the fallback chain that works."""
    config = placement.config
    assert config is not None
    fallback = await _fallback_url(placement, headers)
    elapsed = (time.perf_counter() - started) * 1000
    if fallback is not None:
        return Outcome(placement.name, "fallback", fallback, elapsed, error=error)
    if config.fallback_html:
        html = contain(config.fallback_html)
        return Outcome(placement.name, "fallback", html, elapsed, error=error)
    if not config.primary:
        return placeholder(placement.name, params, error, elapsed)
    return Outcome(placement.name, "empty", duration_ms=elapsed, error=error)
