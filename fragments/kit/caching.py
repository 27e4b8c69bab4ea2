"""How long the shell's fragment cache may keep a fragment's answer, as the fragment declares it.

A fragment declares its caching once, in its `Fragment(caching=Caching(...))`; the kit's view
turns that into `Cache-Control` and `Vary` on each normal answer (fragments/kit/views.py).
What a declaration cannot know, the kit decides per answer:

- an answer that is not a 200 (404, 503), that sets a cookie, or that was made while a
  backend failed (a *degraded* answer: no prices, no count, "cannot be shown right now") is
  `no-store`, so a degraded copy never outlives the outage;
- every other 200 gets a strong `ETag` (a hash of what the shell keeps of it), and a request
  whose `If-None-Match` names it is answered `304`, so revalidation (`no-cache`, a refresh
  after `max-age`) costs no body.

A backend failure marks the answer degraded where it happens (fragments/kit/backends.py),
whether the renderer then falls back (`get_json_or`, its own `except BackendError`) or fails;
a renderer that degrades for another reason says so with `mark_degraded()`.

The shell's side of these rules: shell/engine/cache_control.py (the README's "Caching").
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

#: Request headers the shell sends every fragment that a cached answer may vary on
#: (besides the headers a fragment is configured in the registry to receive, e.g. cookie).
VARY_HEADERS = frozenset(
    {"accept", "accept-language", "user-agent", "referer", "x-tessera-locale", "x-tessera-path"}
)
#: Varying on it makes an answer per visitor: say `shared=False` instead.
VISITOR_HEADER = "x-tessera-visitor"
#: Headers that differ on every request: an answer varying on them could never be reused,
#: so the shell does not store it. A fragment that depends on them is `NO_STORE`.
NEVER_VARY = frozenset({"*", "x-request-id", "traceparent", "x-tessera-deadline-ms"})
_TOKEN = re.compile(r"[a-z0-9!#$%&'*+.^_`|~-]+")
#: The longest a declared number of seconds may be: the registry's own bound (a week).
MAX_SECONDS = 604_800


@dataclass(frozen=True, kw_only=True)
class Caching:
    """What a fragment's normal answers tell the shell's cache.

    `shared` is required: True (`public`) only when the HTML is the same for every visitor;
    False (`private`) keeps a copy per visitor. `max_age` is how long a copy is fresh (None:
    the registry's "cache max age" decides), `stale_while_revalidate` how long after that
    it is still served at once while refreshed, `stale_if_error` how long after that it
    stands in for a failed fetch (None: the registry's "stale if error" decides).
    `revalidate` (`no-cache`) keeps a copy but asks the fragment (`If-None-Match`) before
    each use. `vary` names request headers the HTML depends on (`VARY_HEADERS`, or one the
    fragment is configured to receive). `store=False` is `no-store`: nothing is kept.
    """

    shared: bool
    max_age: int | None = None
    stale_while_revalidate: int = 0
    stale_if_error: int | None = None
    revalidate: bool = False
    vary: tuple[str, ...] = ()
    store: bool = True

    def __post_init__(self) -> None:
        for name in ("max_age", "stale_while_revalidate", "stale_if_error"):
            seconds = getattr(self, name)
            if seconds is not None and not (type(seconds) is int and 0 <= seconds <= MAX_SECONDS):
                raise ValueError(f"{name} must be whole seconds from 0 to {MAX_SECONDS}")
        if isinstance(self.vary, str):
            raise TypeError("vary is a tuple of header names, e.g. ('accept-language',)")
        for header in self.vary:
            if header != header.lower() or not _TOKEN.fullmatch(header):
                raise ValueError(f"vary: {header!r} is not a lower-case header name")
            if header == VISITOR_HEADER:
                raise ValueError("vary: for an answer per visitor, say shared=False")
            if header in NEVER_VARY:
                raise ValueError(f"vary: {header!r} differs on every request; say NO_STORE")
        if self.revalidate and self.stale_while_revalidate:
            raise ValueError("revalidate (no-cache) asks before each use: no stale served")

    def cache_control(self) -> str:
        """The `Cache-Control` value of a normal answer."""
        if not self.store:
            return "no-store"
        parts = ["public" if self.shared else "private"]
        if self.revalidate:
            parts.append("no-cache")
        if self.max_age is not None:
            parts.append(f"max-age={self.max_age}")
        if self.stale_while_revalidate:
            parts.append(f"stale-while-revalidate={self.stale_while_revalidate}")
        if self.stale_if_error is not None:
            parts.append(f"stale-if-error={self.stale_if_error}")
        return ", ".join(parts)


#: Nothing of it is kept anywhere: for answers that change with every action of their visitor.
NO_STORE = Caching(shared=False, store=False)


class _Answer:
    """What the kit learns about the answer being made while its renderer runs."""

    __slots__ = ("degraded",)

    def __init__(self) -> None:
        self.degraded = False


#: The answer of the current fragment request; None outside one (a BFF request, a test).
#: One mutable object per request, so tasks the renderer starts (asyncio.gather), which run
#: in copies of its context, mark the same answer.
_answer: ContextVar[_Answer | None] = ContextVar("tessera_fragment_answer", default=None)


@contextmanager
def answering() -> Iterator[_Answer]:
    """Within the block, the current fragment answer is tracked (`mark_degraded`)."""
    answer = _Answer()
    token = _answer.set(answer)
    try:
        yield answer
    finally:
        _answer.reset(token)


def mark_degraded() -> None:
    """The fragment answer being made lacks something a backend failed to give: it must not
    be cached. Called by the kit's backend clients on every failure; outside a fragment
    answer it does nothing."""
    answer = _answer.get()
    if answer is not None:
        answer.degraded = True


def etag(*parts: str | bytes) -> str:
    """A strong entity tag for an answer made of `parts` (its body and the headers the shell
    keeps with it)."""
    digest = hashlib.sha256()
    for part in parts:
        encoded = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(encoded).to_bytes(8, "big"))
        digest.update(encoded)
    return f'"{digest.hexdigest()[:32]}"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """Whether `If-None-Match: <if_none_match>` names `tag` (weak comparison, RFC 9110 13.1.2:
    `W/` is ignored; `*` names any current representation)."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*":
            return True
        if candidate.startswith("W/"):
            candidate = candidate[2:]
        if candidate == tag:
            return True
    return False
