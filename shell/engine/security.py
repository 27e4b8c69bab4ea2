"""What a composed page promises the browser, and what a primary fragment may make it do.

Every page and `/_fragment` response carries a Content-Security-Policy: only scripts with the
response's nonce run, the shell's own inline scripts and the tags it writes for fragments'
own assets (`/_assets/<fragment>/`). So markup a fragment smuggles into a page cannot run
script. Framing, MIME sniffing and referrers are shut down as well, and over HTTPS the
browser is told to stay on HTTPS.

A primary fragment decides where a page redirects; that target is checked here, so a
fragment cannot send shoppers to another site (or to `javascript:`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

Headers = list[tuple[bytes, bytes]]

#: The policy's directives, the nonce going where `{nonce}` is. Scripts run only with the
#: nonce: the shell's own inline scripts and the script tags it writes for fragments' own
#: assets, and what those load ('strict-dynamic'); never a `<script>` a fragment's markup
#: names (`'self'` is for browsers without CSP 3 only). Inline `style` attributes are allowed
#: (fragments size bars and the like with them); style elements are not.
CSP_TEMPLATE = (
    "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'self'; style-src 'self'; "
    "style-src-attr 'unsafe-inline'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors {ancestors}"
)
#: For what is not the shell's own markup (plain-text answers, BFF answers, fragments'
#: assets): even opened as a document, nothing in it runs, loads or frames.
PLAIN_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
HSTS = b"max-age=31536000; includeSubDomains"
#: A redirect target within the shell's own origin: an absolute path, never `//host` or
#: `/\\host` (which browsers read as another host), nothing that is not printable ASCII.
_LOCAL_TARGET = re.compile(r"/(?![/\\])[!#-~]*")
_PRINTABLE = re.compile(r"[!-~]+")


@dataclass(frozen=True)
class ResponsePolicy:
    """The shell's browser-facing security settings, with headers pre-encoded once."""

    https: bool = False  # served over HTTPS: Secure cookies and HSTS
    preview_origins: tuple[str, ...] = ()  # may frame `/_fragment` (the registry's previews)
    redirect_hosts: frozenset[str] = frozenset()  # other hosts a primary may redirect to
    _page: tuple[tuple[bytes, bytes], ...] = field(init=False, repr=False)
    _preview: tuple[tuple[bytes, bytes], ...] = field(init=False, repr=False)
    _plain: tuple[tuple[bytes, bytes], ...] = field(init=False, repr=False)
    _plain_preview: tuple[tuple[bytes, bytes], ...] = field(init=False, repr=False)
    _page_csp: tuple[bytes, bytes] = field(init=False, repr=False)
    _preview_csp: tuple[bytes, bytes] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        hosts = frozenset(host.lower() for host in self.redirect_hosts)
        object.__setattr__(self, "redirect_hosts", hosts)
        fixed = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
        ]
        if self.https:
            fixed.append((b"strict-transport-security", HSTS))
        object.__setattr__(self, "_page", (*fixed, (b"x-frame-options", b"DENY")))
        object.__setattr__(self, "_preview", tuple(fixed))
        plain = (b"content-security-policy", PLAIN_CSP.encode())
        object.__setattr__(self, "_plain", (*fixed, plain))
        ancestors = " ".join(("'self'", *self.preview_origins))
        framed = PLAIN_CSP.replace("frame-ancestors 'none'", f"frame-ancestors {ancestors}")
        object.__setattr__(
            self, "_plain_preview", (*fixed, (b"content-security-policy", framed.encode()))
        )
        # Split around the nonce: a response joins three byte strings, nothing is formatted.
        for name, ancestors in (
            ("_page_csp", "'none'"),
            ("_preview_csp", " ".join(("'self'", *self.preview_origins))),
        ):
            before, after = CSP_TEMPLATE.format(nonce="\0", ancestors=ancestors).split("\0")
            object.__setattr__(self, name, (before.encode(), after.encode()))

    def headers(self, nonce: str, *, preview: bool = False) -> Headers:
        """The security headers of one page (or, with `preview`, `/_fragment`) response."""
        if preview:
            (before, after), fixed = self._preview_csp, self._preview
        else:
            (before, after), fixed = self._page_csp, self._page
        return [*fixed, (b"content-security-policy", before + nonce.encode() + after)]

    def plain_headers(self, *, preview: bool = False) -> Headers:
        """The security headers of a response that is not the shell's markup: nothing in it
        may run (with `preview`, the admin's preview may frame it, to show why)."""
        return list(self._plain_preview if preview else self._plain)

    def redirect(self, location: str) -> str | None:
        """`location` if a page may redirect there: within the shell's origin, or an http(s)
        URL on one of `redirect_hosts`; None for anything else."""
        if _LOCAL_TARGET.fullmatch(location):
            return location
        # Browsers read `\` as `/`, and userinfo hides the host from a quick look: neither in
        # a target that leaves the shop.
        if not _PRINTABLE.fullmatch(location) or "\\" in location:
            return None
        try:
            target = urlsplit(location)
        except ValueError:
            return None
        if target.username is not None or target.password is not None:
            return None
        if target.scheme in ("http", "https") and target.hostname in self.redirect_hosts:
            return location
        return None


def origins(urls: Iterable[str]) -> tuple[str, ...]:
    """The `scheme://host[:port]` origins of `urls`, e.g. for frame-ancestors."""
    found = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            found.append(f"{parts.scheme}://{parts.netloc}")
    return tuple(found)


#: Plain HTTP, previews only from the shell's own origin, redirects only within it.
DEFAULT_POLICY = ResponsePolicy()
