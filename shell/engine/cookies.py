"""Which cookies a fragment may set on the storefront's origin, and receive back.

None, by default: a fragment that sets a cookie through its BFF (or as the primary of a page)
would otherwise set it for the whole shop, and the shell would send the shop's cookies to
every fragment. A fragment configured with cookie names (the registry's `cookies` setting)
may set those, and only those: each is scoped to the fragment's own `/bff/<fragment>/`, so
the browser returns it to that BFF alone, and the gateway passes back only those names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: The shell's own cookies (and Django's session's): no fragment may set or read them.
RESERVED = frozenset({"tessera_visitor", "csrftoken", "sessionid"})
#: RFC 6265 cookie-name: an HTTP token.
_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
#: Attributes a fragment may keep; Domain and Path are the shell's to decide.
_KEPT = frozenset({"expires", "max-age", "httponly", "samesite", "secure"})


def valid_cookie_name(name: str) -> bool:
    """Whether a fragment may be configured to use cookie `name`."""
    return bool(_NAME.fullmatch(name)) and name not in RESERVED


def scoped_set_cookies(
    values: Iterable[str], fragment: str, allowed: Iterable[str], *, secure: bool = False
) -> list[str]:
    """The `Set-Cookie` values of a fragment's response that may reach the browser, each
    rewritten to `Path=/bff/<fragment>/` (and `Secure` over HTTPS)."""
    names = frozenset(allowed)
    if not names:
        return []
    kept = []
    for value in values:
        pair, *attributes = value.split(";")
        name = pair.partition("=")[0].strip()
        if name not in names or name in RESERVED or any(ord(c) < 32 for c in value):
            continue
        parts = [pair.strip()]
        for attribute in attributes:
            key = attribute.partition("=")[0].strip().lower()
            if key in _KEPT and not (secure and key == "secure"):
                parts.append(attribute.strip())
        parts.append(f"Path=/bff/{fragment}/")
        if secure:
            parts.append("Secure")
        kept.append("; ".join(parts))
    return kept


def fragment_cookie_header(cookie_header: str, allowed: Iterable[str]) -> str:
    """The part of a browser's `Cookie` header a fragment may receive (its own cookies)."""
    names = frozenset(allowed) - RESERVED
    if not names or not cookie_header:
        return ""
    pairs = (part.strip() for part in cookie_header.split(";"))
    return "; ".join(pair for pair in pairs if pair.partition("=")[0] in names)
