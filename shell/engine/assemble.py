"""Turning a plan and its outcomes into HTML, in document order.

Each fragment is wrapped in `<div data-fragment="name">` (its markup was contained when it
was resolved); its stylesheets and scripts are emitted once per page, just before the first
fragment that needs them (or in the head, for those known when the head goes out). Async
fragments get a placeholder in place and arrive later at the end of the body, with a tiny
script that moves them in (BigPipe); without JavaScript they still show, at the end of the
page. The shell's own inline scripts carry the page's Content-Security-Policy nonce.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from html import escape

from shell.engine.assets import Asset, asset_tags
from shell.engine.outcome import Outcome
from shell.engine.plan import Placement
from shell.engine.retry import retry_script

#: Moves an async fragment's HTML from the end of the body into its placeholder.
FILL_SCRIPT = (
    "(function(s){var d=s.previousElementSibling,"
    "t=document.getElementById(d.getAttribute('data-tessera-fill'));"
    "if(t){t.replaceChildren.apply(t,Array.prototype.slice.call(d.childNodes));"
    "t.setAttribute('aria-busy','false');d.remove()}"
    "})(document.currentScript)"
)


@lru_cache(maxsize=1024)
def _opening(name: str) -> str:
    return f'<div data-fragment="{escape(name, quote=True)}">'


def wrap(name: str, html: str) -> str:
    """A fragment's (already contained) markup in the box that marks its boundary."""
    return f"{_opening(name)}{html}</div>"


def script(nonce: str, code: str) -> str:
    """An inline script the page's Content-Security-Policy lets run (it has the nonce)."""
    return f'<script nonce="{nonce}">{code}</script>'


class Assembler:
    """Renders the pieces of one page, remembering which assets it already emitted."""

    def __init__(self, nonce: str, language: str = "en") -> None:
        self.nonce = nonce
        self.language = language  # one of the shop's: the retry script's words are in it
        self._emitted: set[Asset] = set()
        self.has_placeholders = False

    def assets(self, outcomes: Iterable[Outcome]) -> str:
        """Tags for the assets of `outcomes` not emitted yet on this page."""
        fresh = []
        for outcome in outcomes:
            for asset in outcome.assets:
                if asset not in self._emitted:
                    self._emitted.add(asset)
                    fresh.append(asset)
        return asset_tags(fresh, self.nonce) if fresh else ""

    def fragment(self, outcome: Outcome) -> str:
        """A resolved fragment in its box, preceded by its not-yet-emitted assets."""
        if outcome.kind == "placeholder":
            self.has_placeholders = True
        tags = self.assets((outcome,)) if outcome.assets else ""
        return tags + wrap(outcome.name, outcome.html)

    @staticmethod
    def placeholder_id(placement: Placement) -> str:
        return f"tessera-async-{placement.index}"

    def async_placeholder(self, placement: Placement) -> str:
        """The empty box an async fragment will be moved into."""
        return (
            f'<div data-fragment="{escape(placement.name, quote=True)}" '
            f'id="{self.placeholder_id(placement)}" aria-busy="true"></div>'
        )

    def async_fill(self, placement: Placement, outcome: Outcome) -> str:
        """An async fragment's HTML, sent late, with the script that moves it in place."""
        if outcome.kind == "placeholder":
            self.has_placeholders = True
        return (
            f'{self.assets((outcome,))}<div data-tessera-fill="{self.placeholder_id(placement)}">'
            f"{outcome.html}</div>{script(self.nonce, FILL_SCRIPT)}"
        )

    def tail(self) -> str:
        """What closes the body: the browser-side retry, if any fragment needs it."""
        if not self.has_placeholders:
            return ""
        return script(self.nonce, retry_script(self.language))


@lru_cache(maxsize=4096)  # pages repeat their titles
def head_meta(title: str, description: str, site_name: str = "") -> tuple[str, str]:
    """The escaped title text, followed by the shop's name unless it holds it already (a
    tab or a bookmark says whose page it is), and the description `<meta>` (empty without
    one)."""
    text = escape(title)
    if site_name and site_name not in title:
        # An entity, not the character: a page of ASCII text is encoded as it stands (a
        # memory copy), one with any other character byte by byte.
        text = f"{text} &middot; {escape(site_name)}" if title else escape(site_name)
    meta = f'<meta name="description" content="{escape(description, quote=True)}">'
    return text, meta if description else ""
