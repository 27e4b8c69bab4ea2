"""HTTP header facts shared by the shell (which forwards) and the registry (which configures)."""

import re

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
