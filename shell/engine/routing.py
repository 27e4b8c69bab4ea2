"""Page routes: `/product/{sku}` and `/search?q={q}` templates matched against requests.

A `{param}` in the path part captures one non-empty path segment; a `{param}` in the query
part names a query parameter the page reads, empty when the request lacks it. Each parameter
has a grammar, named after a colon (`{page:int}`; `str` by default): a request whose value
breaks it never reaches a fragment. In the path it matches no route (the shell's 404); in
the query it is a bad request (the shell's 400), whatever the fragments would have made of it.
The template grammar and the kinds are the fragment contract's (`tessera.runtime.contract`),
which the registry validates routes against.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote

from tessera.runtime.contract import DEFAULT_KIND, KINDS, QUERY_KINDS, ROUTE_PLACEHOLDER

#: Any value of `/_fragment/<name>?…`, whose parameters no route declares: printable text.
ANY_VALUE = re.compile(QUERY_KINDS["str"])


class BadParameter(ValueError):
    """A query parameter of the matched page breaks its grammar (the page is a 400)."""

    def __init__(self, page: Page, name: str) -> None:
        super().__init__(f"query parameter {name!r} breaks its kind in {page.route}")
        self.page = page
        self.name = name


@dataclass(frozen=True)
class Page:
    """A page of the storefront: where it lives, its layout, and what fills each slot."""

    name: str
    route: str  # e.g. "/product/{sku}" or "/search?q={q}"
    layout: str  # layout template, e.g. "product.html"
    title: str
    slots: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # slot -> fragments
    status: int = 200  # e.g. 404 for the shell's own not-found page
    #: (slot, fragment) -> the placement's own path parameters (URL-quoted), which win over
    #: the route's: one fragment serving variants (`limit=4`) on several pages.
    fixed: Mapping[tuple[str, str], Mapping[str, str]] = field(default_factory=dict)
    #: language -> the page's title in it, for the languages that have their own (empty
    #: for most pages): the page's language's wins over `title`.
    titles: Mapping[str, str] = field(default_factory=dict)


#: What `quote(value, safe="")` leaves as it is: letters, digits and `_.-~`.
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~-]*")


def quoted(value: str) -> str:
    """`value` percent-encoded as one URL component (`quote(value, safe="")`); most values
    (a SKU, a page number) need nothing, and are found so at a fraction of the cost."""
    return value if _UNQUOTED.fullmatch(value) else quote(value, safe="")


def _grammar(kind: str | None, route: str, grammars: Mapping[str, str] = KINDS) -> str:
    try:
        return grammars[kind or DEFAULT_KIND]
    except KeyError:
        raise ValueError(f"route {route}: unknown parameter kind {kind!r}") from None


def compile_route(
    route: str,
) -> tuple[re.Pattern[str], tuple[tuple[str, re.Pattern[str]], ...]]:
    """A regex the route's whole path matches, and the query parameters it reads with the
    grammar of each."""
    path, _, query = route.partition("?")
    pattern = ""
    position = 0
    for match in ROUTE_PLACEHOLDER.finditer(path):
        name, kind = match.groups()
        pattern += re.escape(path[position : match.start()])
        pattern += f"(?P<{name}>{_grammar(kind, route)})"
        position = match.end()
    pattern += re.escape(path[position:])
    query_params = tuple(
        (name, re.compile(_grammar(kind, route, QUERY_KINDS)))
        for name, kind in ROUTE_PLACEHOLDER.findall(query)
    )
    return re.compile(pattern), query_params


class Router:
    """Finds the page for a request and its URL-safe route parameters."""

    def __init__(self, pages: Sequence[Page]) -> None:
        self.pages = [(*compile_route(page.route), page) for page in pages]

    def match(self, path: str, query_string: bytes = b"") -> tuple[Page, dict[str, str]] | None:
        """The page for `path` and its parameters; None when no route matches.

        Raises BadParameter when a query parameter the page reads breaks its grammar.
        """
        for pattern, query_params, page in self.pages:
            if found := pattern.fullmatch(path):  # `$` would let a final newline through
                params = found.groupdict()
                if query_params:
                    given = dict(parse_qsl(query_string.decode("latin-1")))
                    for name, grammar in query_params:
                        value = given.get(name, "")
                        if value and not grammar.fullmatch(value):
                            raise BadParameter(page, name)
                        params[name] = value
                # Values go into fragment URLs: re-quote so no parameter can add path segments
                # or query parameters.
                return page, {k: quoted(v) for k, v in params.items()}
        return None
