"""The fragment contract: what the shell, the fragment kit and the registry must agree on,
spelled once.

The registry stores routes, fragment paths, forwarded headers and cookie names; shells route
and fetch with them; the kit serves the paths. Each used to spell the grammar on its own, and
a value one side accepted could be one the other cannot use. Here are:

- templates: a page route (`/product/{sku}`, `/search?q={q}`) and a fragment's path
  (`/fragment/{sku}`) name their parameters in braces; a route's may name a kind;
- the kinds of route parameter, each the grammar a value must have to reach a fragment;
- header values: what the shell deletes from a value before it goes into a request head;
- headers and cookies a fragment may be configured with.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
#: A parameter of a fragment's path template, `{name}`: the shell fills it in with
#: `str.format_map` and the kit serves it as a Django `<str:name>`, so a name is an ASCII
#: identifier and carries no kind.
PLACEHOLDER = re.compile(rf"\{{({_NAME})\}}")
#: A parameter of a page route, `{name}` or `{name:kind}` (groups: the name, the kind if
#: any): the shell makes each a named regex group, checked against its kind (`KINDS`).
ROUTE_PLACEHOLDER = re.compile(rf"\{{({_NAME})(?::([a-z]+))?\}}")

#: A page layout's name: its template file's, in the shell's layouts folders (what pages name
#: and shells publish to the registry).
LAYOUT_NAME = r"[a-z0-9][a-z0-9_-]{0,94}\.html"

#: The kind a route parameter has when its placeholder names none.
DEFAULT_KIND = "str"
#: What a route parameter of each kind may hold, as a regex for one path segment (no `/`, and
#: never a dot segment, which a path-normalising hop would resolve). `str` is printable text:
#: no control characters (C0, DEL, C1), at most 200 characters.
KINDS: Mapping[str, str] = MappingProxyType(
    {
        "str": r"(?!\.\.?(?:/|$))[^/\x00-\x1f\x7f-\x9f]{1,200}",
        "int": r"[0-9]{1,9}",
        "slug": r"[A-Za-z0-9_-]{1,100}",
    }
)
#: The same kinds in a query, where a value may hold `/` and dots (a search for "AC/DC").
QUERY_KINDS: Mapping[str, str] = MappingProxyType({**KINDS, "str": r"[^\x00-\x1f\x7f-\x9f]{1,200}"})

#: Deleted from every header value (and name) the shell writes into a request head, whoever
#: gave it: every C0 control character but tab, and DEL. A line break would end the line
#: (and could start another header, or a second request), a NUL ends it for some servers,
#: and a fragment's server refuses a request whose header holds any of them, so the page
#: would lose that fragment.
STRIP_CONTROLS = str.maketrans("", "", "".join(map(chr, [*range(9), *range(10, 32), 127])))

#: The request header that tells a fragment (or a BFF, through the gateway) how many
#: milliseconds its caller still waits for the whole answer: gRPC's deadline propagation,
#: relative, so no clocks need to agree. The shell sets it; the fragment kit caps its backend
#: calls by it and renders what it can in time.
DEADLINE_HEADER = "x-tessera-deadline-ms"

#: Never forwarded to a fragment, whatever its configuration: hop-by-hop headers
#: (RFC 9110 §7.6.1) and the framing headers of the connection they arrived on.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
     "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length"}
)  # fmt: skip

#: The shell's own cookies (and Django's session's): a fragment may never set or read them,
#: whatever its configuration; compared case-insensitively.
SHELL_COOKIES = frozenset({"tessera_visitor", "csrftoken", "sessionid"})
#: RFC 6265 cookie-name: an HTTP token.
COOKIE_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
#: RFC 6265 cookie-value: cookie-octets, optionally in double quotes.
COOKIE_VALUE = re.compile(r'"?[!#-+\--:<-\[\]-~]*"?')


def fragment_may_use_cookie(name: str) -> bool:
    """Whether a fragment may be configured to set and get cookie `name`: a token, not one
    of the shell's own, and no `__Host-` cookie (which must have `Path=/`, where a
    fragment's cookies are scoped to its `/bff/<fragment>/`)."""
    lowered = name.lower()
    return (
        COOKIE_NAME.fullmatch(name) is not None
        and lowered not in SHELL_COOKIES
        and not lowered.startswith("__host-")
    )
