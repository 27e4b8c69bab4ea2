"""Page routes: `/product/{sku}` and `/search?q={q}` templates matched against requests.

A `{param}` in the path part captures one non-empty path segment; a `{param}` in the query
part names a query parameter the page reads, empty when the request lacks it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Page:
    """A page of the storefront: where it lives, its layout, and what fills each slot."""

    name: str
    route: str  # e.g. "/product/{sku}" or "/search?q={q}"
    layout: str  # layout template, e.g. "product.html"
    title: str
    slots: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # slot -> fragments
    status: int = 200  # e.g. 404 for the shell's own not-found page


def compile_route(route: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """A regex matching the route's path, and the names of the query parameters it reads."""
    path, _, query = route.partition("?")
    pattern = ""
    position = 0
    for match in _PARAM.finditer(path):
        pattern += re.escape(path[position : match.start()]) + f"(?P<{match.group(1)}>[^/]+)"
        position = match.end()
    pattern += re.escape(path[position:])
    return re.compile(f"^{pattern}$"), tuple(_PARAM.findall(query))


class Router:
    """Finds the page for a request and its URL-safe route parameters."""

    def __init__(self, pages: Sequence[Page]) -> None:
        self.pages = [(*compile_route(page.route), page) for page in pages]

    def match(self, path: str, query_string: bytes = b"") -> tuple[Page, dict[str, str]] | None:
        for pattern, query_names, page in self.pages:
            if found := pattern.match(path):
                params = found.groupdict()
                if query_names:
                    given = dict(parse_qsl(query_string.decode("latin-1")))
                    params.update((name, given.get(name, "")) for name in query_names)
                # Values go into fragment URLs: re-quote so no parameter can add path segments
                # or query parameters.
                return page, {k: quote(v, safe="") for k, v in params.items()}
        return None
