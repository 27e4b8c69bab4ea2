"""What became of one placement: the `Outcome` every stage after fetching speaks.

Resolving produces it, the page's status is decided from it, the stream renders it, and
events carry it to logging and metrics; it lives apart from all of them so that none imports
another for a type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shell.engine.assets import Asset

#: ok: the fragment's own HTML; redirect / not-found: a primary's answer for the whole page;
#: fallback: HTML from its fallback URL or the registry; placeholder: a box the browser fills
#: by retrying (see retry.py); empty: nothing to show.
Kind = Literal["ok", "redirect", "not-found", "fallback", "placeholder", "empty"]


#: The cache's and the breaker's decisions an outcome may carry: hit (fresh copy), stale
#: (stale-while-revalidate: served while a refresh runs), revalidated (a 304 renewed the
#: copy), miss (fetched, then kept), coalesced (another page's fetch was awaited),
#: stale-if-error (a stale copy for a failed fetch), breaker-open, bulkhead-full (not asked
#: at all); and passive health's: retried (another instance answered for one that could not
#: be reached), ejected (the failure took its instance out of rotation).
VIAS = (
    "hit",
    "stale",
    "revalidated",
    "miss",
    "coalesced",
    "stale-if-error",
    "breaker-open",
    "bulkhead-full",
    "retried",
    "ejected",
)


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs a call per field
class Outcome:
    """One placement's result. `html` is always contained markup. Treat as read-only."""

    # The fields an "ok" outcome always has come first: it is built positionally, on every
    # fragment of every page.
    name: str
    kind: Kind
    html: str = ""
    duration_ms: float = 0.0
    assets: tuple[Asset, ...] = ()
    status: int = 0  # the fragment's own HTTP status, when it answered
    error: str = ""  # why it did not resolve cleanly, for logs; "" when it did
    location: str = ""  # a primary's redirect target
    title: str = ""  # page-level headers, a primary's only
    description: str = ""
    set_cookies: tuple[str, ...] = ()  # a primary's, as sent; see cookies.py for the rest
    via: str = ""  # how it was had, when not simply fetched: see VIAS

    @property
    def usable(self) -> bool:
        """Whether it has HTML worth a slot of the page: the fragment's own or a fallback.

        A required fragment (or a primary) that is not usable makes the page an error page.
        """
        return self.kind == "ok" or self.kind == "fallback"
