"""Fragment assets: parse `Link` headers, dedupe across fragments, render the tags."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from html import escape
from typing import NamedTuple

_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[a-zA-Z*-]+\s*=\s*(?:\"[^\"]*\"|[^;,\s]+)\s*)*)")
_PARAM = re.compile(r";\s*([a-zA-Z*-]+)\s*=\s*(?:\"([^\"]*)\"|([^;,\s]+))")

#: The only `rel` values taken from fragments; anything else in `Link` is ignored.
ASSET_RELS = ("stylesheet", "script")
#: A fragment's own asset below its `/_assets/<fragment>/`: plain path segments (no dot
#: segments, no escapes), optionally a simple query such as a version.
_OWN_ASSET = re.compile(
    r"(?!\.{1,2}(?:/|\?|$))[\w.~-]+(?:/(?!\.{1,2}(?:/|\?|$))[\w.~-]+)*(?:\?[\w.~=&-]*)?",
    re.ASCII,
)


class Asset(NamedTuple):
    """A tuple, not a dataclass: assets are hashed for every fragment of every page, and a
    tuple's hash and equality run in C."""

    url: str
    rel: str  # "stylesheet" or "script" (an ES module)


@lru_cache(maxsize=4096)
def parse_link_header(value: str) -> tuple[Asset, ...]:
    """The stylesheet and script entries of a `Link` header value (RFC 8288 syntax).

    Memoised: a fragment sends the same `Link` value with every response.
    """
    assets = []
    for match in _LINK.finditer(value):
        url, params = match.group(1).strip(), match.group(2)
        rels = set()
        for param in _PARAM.finditer(params):
            if param.group(1).lower() == "rel":
                rels.update((param.group(2) or param.group(3) or "").lower().split())
        for rel in ASSET_RELS:
            if rel in rels and url:
                assets.append(Asset(url, rel))
    return tuple(assets)


@lru_cache(maxsize=4096)
def fragment_assets(value: str, fragment: str) -> tuple[Asset, ...]:
    """The assets in a fragment's `Link` header that it may put on a page: only its own, from
    `/_assets/<fragment>/` on the shell's origin, which the page's CSP allows; never another
    origin's script or a `javascript:` URL."""
    prefix = f"/_assets/{fragment}/"
    return tuple(
        asset
        for asset in parse_link_header(value)
        if asset.url.startswith(prefix) and _OWN_ASSET.fullmatch(asset.url, len(prefix))
    )


def asset_tags(assets: Iterable[Asset], nonce: str) -> str:
    """HTML for `assets`, each URL once, in first-seen order; scripts carry the page's
    Content-Security-Policy `nonce`: with it, they are the only fragment scripts that run."""
    html = "\n".join(_tag(asset) for asset in dict.fromkeys(assets))
    return html.replace(_NONCE, nonce) if _NONCE in html else html


#: Where a script tag's nonce goes (a character no URL or tag here can hold).
_NONCE = "\x00"


@lru_cache(maxsize=4096)
def _tag(asset: Asset) -> str:
    url = escape(asset.url, quote=True)
    if asset.rel == "stylesheet":
        return f'<link rel="stylesheet" href="{url}">'
    return f'<script type="module" nonce="{_NONCE}" src="{url}"></script>'
