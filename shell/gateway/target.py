"""The upstream request-target of a gateway request: the browser's raw path, checked.

`/bff/<fragment>/…` and `/_assets/<fragment>/…` must reach that fragment below the same
prefix and nowhere else. Routing sees the decoded path, where `..%2f` is already `../`; the
upstream server would resolve such segments and answer from outside the prefix (its health
check, or, at a backend's address, another visitor's cart). So the target is built from the
raw path as the browser sent it, with each segment checked in its decoded form: a dot
segment, an encoded `/`, `\\`, `?`, `#` or `%`, or a control character refuses the request.
Nothing is re-normalised on the way.
"""

from __future__ import annotations

import re
from urllib.parse import quote, quote_from_bytes, unquote_to_bytes

#: What a decoded segment may not contain: separators the upstream would act on, a second
#: level of escaping, control characters.
_FORBIDDEN = re.compile(rb"[/\\?#%\x00-\x1f\x7f]")
#: What a raw path may not hold at all: anything but printable ASCII.
_NOT_PRINTABLE = re.compile(rb"[^!-~]")
#: Kept as they are in a query string; anything else (a control byte, a space) is escaped.
_QUERY_SAFE = "!$&'()*+,;=:@/?%[]-._~"


def upstream_target(
    raw_path: bytes | None, path: str, prefix: str, query: bytes = b""
) -> str | None:
    """`<raw path>[?<query>]` to request upstream, or None when the path would leave `prefix`
    (e.g. `/bff/cart/`) or holds what no fragment path may hold.

    `raw_path` is the ASGI scope's (None when the server gave none: `path`, re-quoted).
    """
    if not prefix.isascii():
        return None  # no fragment has such a name
    raw = raw_path if raw_path is not None else quote(path).encode("ascii")
    if not raw.startswith(prefix.encode("ascii")):
        return None  # e.g. the fragment's name itself was percent-encoded
    for segment in raw[len(prefix) :].split(b"/"):
        decoded = unquote_to_bytes(segment) if b"%" in segment else segment
        if decoded in (b".", b"..") or _FORBIDDEN.search(decoded):
            return None
    if _NOT_PRINTABLE.search(raw):
        return None
    target = raw.decode("ascii")
    if query:
        target += "?" + quote_from_bytes(query, safe=_QUERY_SAFE)
    return target
