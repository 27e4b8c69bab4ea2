"""HTTP header facts shared by the shell (which forwards) and the registry (which configures)."""

#: Never forwarded to a fragment, whatever its configuration: hop-by-hop headers
#: (RFC 9110 §7.6.1) and the framing headers of the connection they arrived on.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
     "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length"}
)  # fmt: skip
