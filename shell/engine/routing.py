"""Page routes: `/product/{sku}`-style templates matched against request paths."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Page:
    """A page of the storefront: where it lives, its layout, and what fills each slot."""

    name: str
    route: str  # e.g. "/product/{sku}"
    layout: str  # layout template, e.g. "product.html"
    title: str
    slots: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # slot -> fragments
    status: int = 200  # e.g. 404 for the shell's own not-found page


def compile_route(route: str) -> re.Pattern[str]:
    """A regex matching `route`, each `{param}` capturing one non-empty path segment."""
    pattern = ""
    position = 0
    for match in _PARAM.finditer(route):
        pattern += re.escape(route[position : match.start()]) + f"(?P<{match.group(1)}>[^/]+)"
        position = match.end()
    pattern += re.escape(route[position:])
    return re.compile(f"^{pattern}$")


class Router:
    """Finds the page for a request path and its URL-safe route parameters."""

    def __init__(self, pages: Sequence[Page]) -> None:
        self.pages = [(compile_route(page.route), page) for page in pages]

    def match(self, path: str) -> tuple[Page, dict[str, str]] | None:
        for pattern, page in self.pages:
            if found := pattern.match(path):
                # Values go into fragment URLs: re-quote so no parameter can add path segments.
                return page, {k: quote(v, safe="") for k, v in found.groupdict().items()}
        return None
