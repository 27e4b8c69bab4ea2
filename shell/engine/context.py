"""What the shell tells a fragment about the request: allowlisted headers plus typed context.

Forwarding is an allowlist on purpose (security): cookies, credentials and anything else the
browser sent stay with the shell unless a fragment is configured to receive them. Instead of
cookies, fragments get a signed, short-lived visitor token (see `tessera/runtime/visitor.py`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from shell.engine.cookies import CSRF_COOKIE, fragment_cookie_header
from shell.engine.locale import Locales
from tessera.runtime.contract import DEADLINE_HEADER, STRIP_CONTROLS
from tessera.runtime.tracing import Hop, begin
from tessera.runtime.visitor import sign_visitor, visitor_from_cookies

_CSRF_PRESENT = re.compile(rf"(?:^|;)\s*{CSRF_COOKIE}=[A-Za-z0-9]{{32}}(?:;|$)")

#: Request headers passed through to every fragment unchanged.
FORWARDED_HEADERS = frozenset({b"accept-language", b"user-agent", b"referer"})
#: Longest value of one of those, and of the page path, passed on: whatever the browser may
#: send the shell, what the shell sends a fragment stays well within the fragment's own
#: bound on request heads (`TESSERA_MAX_HEAD_BYTES`), so a long header cannot lose a page.
MAX_PASSED_ON = 2048


#: Taken off the caller's own timeout before it is sent as the budget: the time the callee
#: cannot see, i.e. the request's way to it (a connect when the pool has no idle connection,
#: its server's accept and head parsing) and the answer's way back until the caller has read
#: it all. On loopback or a pod network that is about a millisecond; the margin is for the
#: tail: the caller's event loop busy with other pages (the bench's composition overhead has
#: a p99 of 3 ms, 12 ms with 14 % steal) or a GC pause in the callee. 30 ms covers that with
#: room and costs under 4 % of the smallest budget a fragment ships with (the listing's
#: 800 ms); much less would be eaten by one steal spike, and the caller would then cut the
#: callee off instead of getting its degraded answer, which is what this header prevents.
NETWORK_MARGIN_MS = 30


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs a call per field
class RequestContext:
    """The per-request facts the shell shares with fragments. Treat as read-only."""

    request_id: str
    trace_id: str
    span_id: str
    locale: str
    path: str  # as the browser sent it: percent-encoded, as ASCII
    visitor: str
    new_visitor: bool  # the shell must set the visitor cookie on the response
    needs_csrf_cookie: bool  # the browser has no (well-formed) CSRF cookie yet
    forwarded: Mapping[str, str]  # allowlisted request headers
    raw: Mapping[bytes, bytes]  # every request header, for per-fragment forwarding
    nonce: str  # this response's Content-Security-Policy nonce for the shell's own scripts

    @property
    def traceparent(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-01"

    def header_block(self, key: bytes, now: float) -> bytes:
        """The header lines sent with each fragment request of this page, ready to send.

        Built directly rather than through a dict: this runs for every page.

        Only the browser's own values (forwarded headers, the path) can hold control
        characters; the rest are generated or validated here, so only those are stripped.
        """
        lines = [
            f"{name}: {value.translate(STRIP_CONTROLS)}\r\n"
            for name, value in self.forwarded.items()
        ]
        lines.append(
            f"accept: text/html\r\nx-request-id: {self.request_id}\r\n"
            f"traceparent: {self.traceparent}\r\nx-tessera-locale: {self.locale}\r\n"
            f"x-tessera-path: {self.path[:MAX_PASSED_ON].translate(STRIP_CONTROLS)}\r\n"
            f"x-tessera-visitor: {sign_visitor(self.visitor, key, now)}\r\n"
        )
        return "".join(lines).encode("latin-1", "replace")

    def fragment_header(self, name: str) -> str:
        """The value of request header `name` (lower case) as a fragment gets it, "" when
        absent: what a fragment's `Vary` keys the shell's cache by."""
        if name == "x-tessera-locale":
            return self.locale
        if name == "x-tessera-path":
            return self.path
        if name == "accept":
            return "text/html"
        found = self.forwarded.get(name)
        if found is None:
            raw = self.raw.get(name.encode("latin-1"))
            return "" if raw is None else raw.decode("latin-1")
        return found

    def extra_headers(self, names: Iterable[str]) -> dict[str, str]:
        """Headers a fragment is configured to receive (e.g. cookie), if the request had them;
        never the shell's own cookies, which are credentials."""
        found = {}
        for name in (name.lower() for name in names):
            value = self.raw.get(name.encode("latin-1"))
            if value is not None:
                found[name] = value.decode("latin-1")
        if "cookie" in found:
            found["cookie"] = fragment_cookie_header(found["cookie"])
            if not found["cookie"]:
                del found["cookie"]
        return found


def budget_ms(timeout_ms: int) -> int:
    """The budget to announce to a callee the caller waits `timeout_ms` for: that less the
    network margin, never negative (a callee told 0 degrades without calling anything)."""
    return max(timeout_ms - NETWORK_MARGIN_MS, 0)


class _DeadlineLines(dict[int, bytes]):
    """`DEADLINE_LINES[timeout_ms]`: the encoded `DEADLINE_HEADER` line for a fetch with a
    fresh deadline of `timeout_ms`, built on first use.

    A subscript rather than a cached function: it costs a third of the call, on a path taken
    for each distinct timeout of every page. A timeout is 1-30,000 ms (`FragmentConfig`), so
    it stays small.
    """

    def __missing__(self, timeout_ms: int) -> bytes:
        line = self[timeout_ms] = f"{DEADLINE_HEADER}: {budget_ms(timeout_ms)}\r\n".encode()
        return line


DEADLINE_LINES = _DeadlineLines()
#: A shop in English only (the engine's default; the shell's languages: TESSERA_LOCALES).
ENGLISH = Locales(("en",))


def request_context(
    headers: Iterable[tuple[bytes, bytes]],
    path: str,
    *,
    visitor_key: bytes,
    hop: Hop | None = None,
    locales: Locales = ENGLISH,
) -> RequestContext:
    """Derive the context of one page request from its headers; `path` is the raw
    (percent-encoded) path, `visitor_key` checks the visitor cookie's signature, and `hop`
    holds the request's ids (tracing.py; begun from the headers when not given): fragments
    get them, their span's parent is the page's. `locales` picks the page's language."""
    if hop is None:
        hop = begin(headers, trust_request_id=False)
    raw = dict(headers)  # several Cookie lines were made one by ServiceApp
    forwarded = {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in raw.items()
        if name in FORWARDED_HEADERS and len(value) <= MAX_PASSED_ON
    }
    # A new visitor's id and the nonce come from one call for random bytes, not one each;
    # absent headers are not parsed at all: this runs for every page.
    fresh = os.urandom(32).hex()
    visitor, needs_csrf_cookie, cookies = None, True, None
    if b"cookie" in raw:
        cookies = raw[b"cookie"].decode("latin-1")
        visitor = visitor_from_cookies(cookies, visitor_key)
        needs_csrf_cookie = _CSRF_PRESENT.search(cookies) is None
    locale = locales.choose(forwarded.get("accept-language"), cookies)
    return RequestContext(
        hop.request_id,
        hop.trace_id,
        hop.span_id,
        locale,
        path,
        fresh[:32] if visitor is None else visitor,
        visitor is None,
        needs_csrf_cookie,
        forwarded,
        raw,
        fresh[32:],
    )
