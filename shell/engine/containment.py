"""Keeping a fragment's markup inside its box.

A fragment that forgets to close a `<div>` or sends a stray `</body>` must not break the page
around it. `contain()` re-emits the markup with unmatched end tags dropped, document-level
tags (`html`, `head`, `body`) removed, unclosed elements closed at the end, and tags and
text re-serialised from what was parsed, so no debris of a broken tag survives as markup.
Well-formed markup keeps its meaning. Results are cached per distinct body: fragments repeat.

Where a browser would read markup otherwise than this parser does, the markup goes: comments
(`<!-->` ends one for a browser, not here), elements whose content browsers take as raw text
in some contexts and not in others (`<style>` inside `<svg>`, `<xmp>`, `<plaintext>`...),
and what acts on the whole page (`<meta http-equiv=refresh>`, `<base>`). Inline scripts and
styles would never run under the page's Content-Security-Policy anyway: a fragment's code and
styles come as assets.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape
from html.parser import HTMLParser

#: Elements without end tags (HTML's void elements).
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
     "track", "wbr"}
)  # fmt: skip
_TAG_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_ATTR_NAME = re.compile(r"^[a-zA-Z_:@][-a-zA-Z0-9_:.@]*$")
#: Document-level elements a fragment may not open or close.
DOCUMENT = frozenset({"html", "head", "body"})
#: Dropped with their content (which this parser takes as raw text).
DROPPED_WITH_CONTENT = frozenset({"script", "style"})
#: Dropped, their content kept as the markup this parser sees in it: browsers would take it
#: as raw text (some always, some inside foreign content), or act on the whole page.
DROPPED_TAGS = frozenset(
    {"plaintext", "xmp", "noembed", "noframes", "noscript", "iframe", "template", "meta",
     "base", "link", "frameset", "frame"}
)  # fmt: skip
_DROPPED = DOCUMENT | DROPPED_WITH_CONTENT | DROPPED_TAGS


def _start_tag(tag: str, attrs: list[tuple[str, str | None]]) -> str:
    """A start tag rebuilt from what was parsed: no stray '<' or quote can survive."""
    parts = [tag]
    for name, value in attrs:
        if not _ATTR_NAME.match(name):
            continue
        parts.append(name if value is None else f'{name}="{escape(value, quote=True)}"')
    return "<" + " ".join(parts) + ">"


class _Balancer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not _TAG_NAME.match(tag) or tag in _DROPPED:
            return
        self.out.append(_start_tag(tag, attrs))
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if _TAG_NAME.match(tag) and tag not in _DROPPED:
            self.out.append(_start_tag(tag, attrs))
            if tag not in VOID:  # <div/> opens a div in HTML
                self.out.append(f"</{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.open:
            return  # nothing to close: a stray end tag would close the shell's elements
        while self.open:
            top = self.open.pop()
            self.out.append(f"</{top}>")
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        # Text is re-escaped, so the debris of a broken tag stays text and cannot turn into
        # markup; the raw text of a dropped <script> or <style> goes with it.
        if not self.cdata_elem:
            self.out.append(escape(data, quote=False))


@lru_cache(maxsize=2048)
def contain(html: str) -> str:
    """`html` balanced so that it cannot affect markup outside its container."""
    balancer = _Balancer()
    balancer.feed(html)
    balancer.close()
    balancer.out.extend(f"</{tag}>" for tag in reversed(balancer.open))
    return "".join(balancer.out)


_by_etag: dict[tuple[str, str], str] = {}


def contain_body(url: str, etag: str | None, body: bytes) -> str:
    """A fetched body, decoded and contained; raises UnicodeDecodeError if not UTF-8.

    With a strong ETag the result is cached per (URL, ETag): the same entity, without even
    hashing the body again. Otherwise `contain` caches it per distinct body.
    """
    if not etag or etag.startswith("W/"):
        return contain(body.decode("utf-8"))
    key = (url, etag)
    html = _by_etag.get(key)
    if html is None:
        html = contain(body.decode("utf-8"))
        if len(_by_etag) >= 4096:
            _by_etag.clear()
        _by_etag[key] = html
    return html
