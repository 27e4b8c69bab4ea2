"""Resolving one placement to an `Outcome`: fetch it, check it, or fall back.

The chain, in order: a fresh copy from the cache (cache.py), a stale one while it is
refreshed (stale-while-revalidate), the fragment itself (fetch.py, behind its breaker and
bulkhead), and when that fails: a stale copy (stale-if-error), its fallback URL, its
fallback HTML, a placeholder that the browser retries (see retry.py; not for the primary),
and finally nothing. A failure here never raises: the page decides what an outcome
means (only the primary's and required fragments' failures can fail the page).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from copy import copy
from urllib.parse import unquote

from shell.engine.assets import fragment_assets
from shell.engine.balance import version_for
from shell.engine.cache import Entry, Key, cache
from shell.engine.cache_control import Storage, storage
from shell.engine.config import FragmentConfig
from shell.engine.containment import contain, contain_body
from shell.engine.context import RequestContext
from shell.engine.deadline import Deadline
from shell.engine.events import fragment_resolved
from shell.engine.fetch import EJECTED, FetchError, Response, fetch, fetch_url
from shell.engine.httpclient import encode_headers
from shell.engine.outcome import Outcome
from shell.engine.plan import Placement
from shell.engine.retry import placeholder

#: What an entry costs besides its HTML (the objects, the key), roughly, in bytes.
ENTRY_OVERHEAD = 400

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
        raise FetchError(f"status {status}", ejected=response.via == EJECTED)
    link = response.header(b"link")
    assets = fragment_assets(link, placement.name) if link else ()
    outcome = Outcome(placement.name, "ok", _html(response), elapsed, assets, status)
    outcome.via = response.via  # "retried", or ""
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


def fresh_copies(placements: Sequence[Placement], context: RequestContext) -> list[Outcome | None]:
    """Each placement's fresh copy from the cache for the request of `context`, announced as
    its outcome; None for those with none (then `resolve` them).

    Synchronous, so that a page whose fragments are all fresh in the cache starts no task
    and signs no fragment headers at all; one call for the page, with the clock read once."""
    if not cache.shapes:  # nothing was ever kept: not even a lookup per fragment
        return [None] * len(placements)
    fresh, now = cache.fresh, cache.clock()
    visitor, vary_value, request_id = context.visitor, context.fragment_header, context.request_id
    copies: list[Outcome | None] = []
    for placement in placements:
        config = placement.config
        entry = None
        if config is not None:
            version = version_for(config, visitor)
            entry = fresh(config.name, placement.path, visitor, version, vary_value, now)
        if entry is None:
            copies.append(None)
            continue
        outcome = entry.hit or entry.remember_hit(placement.name)
        for subscriber in fragment_resolved:
            subscriber(outcome, request_id)
        copies.append(outcome)
    return copies


async def resolve(
    placement: Placement,
    params: Mapping[str, str],
    headers: bytes,
    context: RequestContext,
    deadline: Deadline | None = None,
) -> Outcome:
    """Resolve `placement` for the request of `context`, from the cache or by fetching it
    (within `deadline`, if given), falling back as far as needed.

    Every outcome is also announced as a `fragment_resolved` event for the page's request id.
    """
    started = time.perf_counter()
    config = placement.config
    outcome = None
    if config is None:
        outcome = Outcome(placement.name, "empty", error="not registered or disabled")
    elif cache.shapes:  # nothing was ever kept: no lookup at all
        key = _key(config, placement.path, context)
        if key is not None:
            outcome = await _cached(placement, params, headers, context, deadline, started, key)
    if outcome is None:  # not cached, nor for other visitors: fetch it for this request
        assert config is not None
        try:
            response = await fetch(
                config, placement.path, headers, started, context.visitor, deadline
            )
            outcome = _accepted(placement, response, started)
            if outcome.kind == "ok" and (
                config.cache_max_age or config.stale_if_error or b"cache-control" in response.index
            ):
                _keep(placement, response, outcome, context)
        except FetchError as exc:
            outcome = await _fall_back(placement, params, headers, context, exc, started)
    for subscriber in fragment_resolved:  # the event, announced here: a call per fragment saved
        subscriber(outcome, context.request_id)
    return outcome


async def _cached(
    placement: Placement,
    params: Mapping[str, str],
    headers: bytes,
    context: RequestContext,
    deadline: Deadline | None,
    started: float,
    key: Key,
) -> Outcome | None:
    """A placement whose path the cache knows: its copy if fresh (or stale within
    stale-while-revalidate, refreshed in the background), else the one fetch for its key,
    else the fallback chain (its copy first, within stale-if-error). None when the one
    fetch was another visitor's and its answer is not for sharing: the caller fetches its
    own."""
    config = placement.config
    assert config is not None
    name = placement.name
    entry = cache.get(key)
    if entry is not None:
        now = cache.clock()
        if now < entry.fresh_until:
            return entry.outcome(name, "hit", (time.perf_counter() - started) * 1000)
        if entry.may_revalidate(now):
            cache.fetch_once(key, lambda: _refresh(placement, headers, context, entry))
            return entry.outcome(name, "stale", (time.perf_counter() - started) * 1000)
    task, leader = cache.fetch_once(key, lambda: _refresh(placement, headers, context, entry))
    breaker = config.circuit
    try:
        with deadline or Deadline(config.timeout):
            outcome, shared = await asyncio.shield(task)
    except (FetchError, TimeoutError) as exc:
        if isinstance(exc, TimeoutError):
            exc = FetchError(f"no complete response within {config.timeout_ms} ms")
        if not leader and breaker.passing and not exc.via:
            # A page that waited on another's fetch lost its time too: the breaker counts it,
            # so that a fragment failing on one hot page (one fetch at a time) still opens it.
            breaker.record(False, (time.perf_counter() - started) * 1000)
        return await _fall_back(placement, params, headers, context, exc, started)
    if leader:
        return outcome
    if breaker.passing:
        breaker.fast_successes += 1
    if not shared:
        return None
    coalesced = copy(outcome)
    coalesced.duration_ms = (time.perf_counter() - started) * 1000
    coalesced.via = "coalesced"
    return coalesced


async def _refresh(
    placement: Placement, headers: bytes, context: RequestContext, entry: Entry | None
) -> tuple[Outcome, bool]:
    """The one fetch for a key, run as a task of its own (see `FragmentCache.fetch_once`):
    conditional when the copy has an ETag. Its outcome, and whether other visitors may
    have it too (it was kept as shared). A failure raises FetchError and keeps the copy."""
    config = placement.config
    assert config is not None
    started = time.perf_counter()
    if entry is not None and entry.etag:
        headers += encode_headers({"if-none-match": entry.etag})  # a fragment's: sanitised
    response = await fetch(config, placement.path, headers, started, context.visitor)
    if response.status == 304 and entry is not None:
        renewed = entry.storage
        if response.header(b"cache-control") is not None:
            renewed = _storage(config, response)
        elapsed = (time.perf_counter() - started) * 1000
        if renewed is None:  # now it may not be kept: used this once, renewed no more
            return entry.outcome(placement.name, "revalidated", elapsed), False
        entry.storage = renewed
        entry.fresh_until = cache.clock() + renewed.fresh_s
        return entry.outcome(placement.name, "revalidated", elapsed), renewed.shared
    outcome = _accepted(placement, response, started)
    shared = False
    if outcome.kind == "ok":
        shared = _keep(placement, response, outcome, context)
    return outcome, shared


def _keep(
    placement: Placement, response: Response, outcome: Outcome, context: RequestContext
) -> bool:
    """Keep an "ok" outcome in the cache if its response allows; whether it was kept as
    shared across visitors. A response that may not be kept stops its path's lookups."""
    config = placement.config
    assert config is not None
    kept = _storage(config, response)
    if kept is None:
        # This answer replaces the copy from now on (no more serving it while refreshing),
        # but the copy may still stand in for a failure, as it said it may.
        before = _copy(placement, context)
        if before is not None:
            before.superseded(cache.clock())
        return False
    entry = Entry(
        outcome.html,
        outcome.assets,
        outcome.title,
        outcome.description,
        response.header(b"etag"),
        kept,
        cache.clock() + kept.fresh_s,
        ENTRY_OVERHEAD + len(outcome.html) + len(outcome.title) + len(outcome.description),
    )
    visitor = context.visitor
    cache.store(
        config.name,
        placement.path,
        visitor,
        version_for(config, visitor),
        context.fragment_header,
        entry,
    )
    outcome.via = outcome.via or "miss"  # a retry says more than "fetched, then kept"
    return kept.shared


def _copy(placement: Placement, context: RequestContext) -> Entry | None:
    """The placement's copy in the cache for the request of `context`, fresh or not."""
    config = placement.config
    if config is None or not cache.shapes:
        return None
    key = _key(config, placement.path, context)
    return cache.get(key) if key is not None else None


def _key(config: FragmentConfig, path: str, context: RequestContext) -> Key | None:
    """The cache's key for `path` of fragment `config` for the request of `context`: the
    version serving its visitor, and the headers the fragment varies on, included."""
    visitor = context.visitor
    version = version_for(config, visitor)
    return cache.key(config.name, path, visitor, version, context.fragment_header)


def _storage(config: FragmentConfig, response: Response) -> Storage | None:
    """How `response` may be kept, with the registry's settings of `config` as defaults."""
    forwarded = tuple(name.lower() for name in config.forward_headers)
    return storage(response, config.cache_max_age, config.stale_if_error, forwarded)


async def _fall_back(
    placement: Placement,
    params: Mapping[str, str],
    headers: bytes,
    context: RequestContext,
    failure: FetchError,
    started: float,
) -> Outcome:
    """The outcome of a failed fetch: the first step of the fallback chain that works,
    beginning with a stale copy that may stand in (stale-if-error)."""
    config = placement.config
    assert config is not None
    error, via = str(failure), failure.via or (EJECTED if failure.ejected else "")
    stale = _copy(placement, context)
    if stale is not None and stale.may_stand_in(cache.clock()):
        return stale.outcome(
            placement.name, "stale-if-error", (time.perf_counter() - started) * 1000, error
        )
    fallback = await _fallback_url(placement, headers)
    elapsed = (time.perf_counter() - started) * 1000
    if fallback is not None:
        return Outcome(placement.name, "fallback", fallback, elapsed, error=error, via=via)
    if config.fallback_html:
        html = contain(config.fallback_html)
        return Outcome(placement.name, "fallback", html, elapsed, error=error, via=via)
    if not config.primary:
        outcome = placeholder(placement.name, params, error, elapsed)
    else:
        outcome = Outcome(placement.name, "empty", duration_ms=elapsed, error=error)
    outcome.via = via
    return outcome
