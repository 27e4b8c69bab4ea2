"""What a fragment's response allows the shell's cache to do with it: RFC 9111's subset a
shared cache needs, with RFC 5861's stale-while-revalidate and stale-if-error.

The fragment's `Cache-Control` wins where it speaks; the registry's per-fragment `max_age`
and `stale_if_error` fill in what it leaves out; `no-store` always wins. Fragments never see
the visitor's cookies but every request carries the signed visitor token, so a response is
shared across visitors only when it says `public` or `s-maxage`; any other is kept for its
visitor alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from shell.engine.httpclient import Response

#: Request headers a fragment may vary on: those the shell sends it that are the same for
#: many requests. `x-tessera-visitor` makes a response per visitor; any other name (the
#: request id, the trace, the deadline, a header the shell does not send) makes it unstorable.
VARIES = frozenset({"accept", "accept-language", "user-agent", "referer"})
VARIES_CONTEXT = frozenset({"x-tessera-locale", "x-tessera-path"})
PER_VISITOR = "x-tessera-visitor"


@dataclass(frozen=True, slots=True)
class Storage:
    """How a response may be kept: seconds fresh, then seconds it may stand in while being
    refreshed (`revalidate_s`) or for a failed fetch (`if_error_s`), whether it is shared
    across visitors, and the request headers it varies on."""

    fresh_s: float
    revalidate_s: float
    if_error_s: float
    shared: bool
    vary: tuple[str, ...]


def directives(value: str) -> dict[str, str]:
    """`Cache-Control`'s directives by lower-case name; a value without `=` is ""."""
    found = {}
    for part in value.split(","):
        name, _, argument = part.partition("=")
        name = name.strip().lower()
        if name:
            found[name] = argument.strip().strip('"')
    return found


def _seconds(value: str | None) -> float | None:
    """A delta-seconds argument (ASCII digits; a huge one is 2^31, as RFC 9111 says); None
    when absent or not a number (so ignored)."""
    if value is None or not value.isascii() or not value.isdigit():
        return None
    return float(min(int(value), 2**31)) if len(value) <= 10 else float(2**31)


def storage(
    response: Response,
    default_max_age: int,
    default_if_error: int,
    forwarded: tuple[str, ...] = (),
) -> Storage | None:
    """How `response` (a 200) may be stored, or None when it may not be.

    `forwarded` names the extra request headers this fragment is configured to receive, which
    it may vary on too.
    """
    value = response.header(b"cache-control")
    if value is None and not (default_max_age or default_if_error):
        return None  # the common uncached fragment: one lookup
    if response.header(b"set-cookie") is not None:
        return None
    given = directives(value) if value else {}
    if "no-store" in given:
        return None
    vary, per_visitor = _vary(response.header(b"vary"), forwarded)
    if vary is None:
        return None
    shared = ("public" in given or "s-maxage" in given) and "private" not in given
    shared = shared and not per_visitor
    fresh = _seconds(given.get("s-maxage")) if shared else None
    if fresh is None:
        fresh = _seconds(given.get("max-age"))
    if fresh is None:
        fresh = float(default_max_age)
    age = _seconds(response.header(b"age")) or 0.0
    fresh = max(fresh - age, 0.0)
    if "no-cache" in given:
        fresh = 0.0  # kept, but asked again (conditionally) before each use
    if "must-revalidate" in given or (shared and "proxy-revalidate" in given):
        revalidate, if_error = 0.0, 0.0
    else:
        revalidate = _seconds(given.get("stale-while-revalidate")) or 0.0
        if_error = _seconds(given.get("stale-if-error"))
        if if_error is None:
            if_error = float(default_if_error)
    validator = response.header(b"etag") is not None
    if not (fresh or revalidate or if_error or validator):
        return None
    return Storage(fresh, revalidate, if_error, shared, vary)


def _vary(value: str | None, forwarded: tuple[str, ...]) -> tuple[tuple[str, ...] | None, bool]:
    """The header names a response varies on (None: it cannot be reused), and whether it
    varies by visitor."""
    if not value:
        return (), False
    names = sorted({name.strip().lower() for name in value.split(",") if name.strip()})
    per_visitor = PER_VISITOR in names
    names = [name for name in names if name != PER_VISITOR]
    if any(n not in VARIES and n not in VARIES_CONTEXT and n not in forwarded for n in names):
        return None, per_visitor  # `*`, the request id, the trace, the deadline, unknown
    return tuple(names), per_visitor
