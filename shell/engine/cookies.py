"""Cookies on the storefront's origin: the shell's own, and which a fragment may set and get.

The shell sets two: the visitor cookie (signed, see `tessera/runtime/visitor.py`) and Django's CSRF
cookie, which fragments' scripts send back as `X-CSRFToken` with every BFF write.

A fragment sets none, by default: a fragment that sets a cookie through its BFF (or as the
primary of a page) would otherwise set it for the whole shop, and the shell would send the
shop's cookies to every fragment. A fragment configured with cookie names (the registry's
`cookies` setting) may set those, and only those: each is scoped to the fragment's own
`/bff/<fragment>/`, so the browser returns it to that BFF alone, and the gateway passes back
only those names.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from http.cookies import Morsel

from tessera.runtime.contract import COOKIE_VALUE, SHELL_COOKIES
from tessera.runtime.visitor import VISITOR_COOKIE, visitor_cookie_value

#: Django's CSRF cookie (its default CSRF_COOKIE_NAME): the `/bff/` gateway checks writes
#: against it, so every page makes sure the browser has one for fragments' scripts to send.
CSRF_COOKIE = "csrftoken"

#: The attributes a fragment may keep, each with what its value must be; Domain and Path are
#: the shell's to decide.
_KEPT = {
    "expires": re.compile(r"[A-Za-z]{3}, [0-9]{2} [A-Za-z]{3} [0-9]{4} [0-9:]{8} GMT"),
    "max-age": re.compile(r"-?[0-9]{1,10}"),
    "samesite": re.compile(r"(?i:strict|lax|none)"),
    "httponly": None,  # a flag
    "secure": None,
}


def visitor_cookie(visitor: str, key: bytes, secure: bool = False) -> bytes:
    """The Set-Cookie value that makes a new visitor recognisable on the next page, signed
    with `key` so that no client can choose its own (or someone else's) visitor id."""
    value = visitor_cookie_value(visitor, key)
    flags = "; Secure" if secure else ""
    return (
        f"{VISITOR_COOKIE}={value}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax{flags}"
    ).encode()


def csrf_cookie(secure: bool = False) -> bytes:
    """A Set-Cookie value with a new CSRF secret; readable by scripts, which send it back
    in `X-CSRFToken` (Django's double-submit check)."""
    # 32 hex digits: a secret of the length and alphabet Django accepts, much cheaper to make
    # than get_random_string's per-character choices (this runs for every new visitor).
    flags = "; Secure" if secure else ""
    return (
        f"{CSRF_COOKIE}={os.urandom(16).hex()}; Path=/; Max-Age=31449600; SameSite=Lax{flags}"
    ).encode()


def scoped_set_cookies(
    values: Iterable[str], fragment: str, allowed: Iterable[str], *, secure: bool = False
) -> list[Morsel]:
    """The `Set-Cookie` values of a fragment's response that may reach the browser, rebuilt
    from what was checked (never passed on as text) with `Path=/bff/<fragment>/` (and
    `Secure` over HTTPS). A value whose name, value or any attribute is not exactly what
    RFC 6265 allows is dropped whole: a value such as `a=1; SameSite=Lax csrftoken=x` must
    not become two cookies anywhere downstream."""
    names = frozenset(allowed)
    if not names:
        return []
    kept = []
    for value in values:
        pair, *attributes = value.split(";")
        name, _, cookie = pair.strip().partition("=")
        if name not in names or name.lower() in SHELL_COOKIES:
            continue
        if COOKIE_VALUE.fullmatch(cookie) is None:
            continue
        morsel: Morsel = Morsel()
        morsel.set(name, cookie, cookie)
        if all(_keep(morsel, attribute) for attribute in attributes):
            morsel["path"] = f"/bff/{fragment}/"
            morsel["secure"] = secure or morsel["secure"]
            kept.append(morsel)
    return kept


def _keep(morsel: Morsel, attribute: str) -> bool:
    """Set `attribute` on `morsel` if it is one a fragment may set, with a valid value;
    False when it is malformed (the whole cookie is then dropped)."""
    key, has_value, value = attribute.strip().partition("=")
    key, value = key.strip().lower(), value.strip()
    if key not in _KEPT:
        return True  # Domain, Path, the unknown and the empty are left out
    pattern = _KEPT[key]
    if pattern is None:  # a flag, with no value
        morsel[key] = True
        return not has_value
    if not has_value or pattern.fullmatch(value) is None:
        return False
    morsel[key] = value.capitalize() if key == "samesite" else value
    return True


def fragment_cookie_header(cookie_header: str, allowed: Iterable[str] | None = None) -> str:
    """The part of a browser's `Cookie` header a fragment may receive: never the shell's own
    cookies (the visitor cookie is a credential), and only the `allowed` names when given."""
    names = None if allowed is None else frozenset(allowed)
    kept = []
    for part in cookie_header.split(";"):
        pair = part.strip()
        name = pair.partition("=")[0]
        if pair and name.lower() not in SHELL_COOKIES and (names is None or name in names):
            kept.append(pair)
    return "; ".join(kept)
