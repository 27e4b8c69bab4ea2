"""Validation of the URLs the registry hands to shells: the SSRF guard.

A registered instance URL (and a fragment's fallback URL) is fetched by every shell, from
inside the network. So only plain http(s) URLs are accepted, to a host and port that
`TESSERA_REGISTRY_ALLOWED_HOSTS` allows and `TESSERA_REGISTRY_DENIED` does not deny (`up`
fills the latter with the stack's own registry, shell and backend stubs; see
registry.addresses for the entries); cloud metadata, link-local addresses and addresses of
no single host are refused whatever the lists say.

A URL is read character by character rather than through `urlsplit`, which drops tabs and
line breaks without a word, and what is returned is the canonical form of exactly what was
checked: lower-case scheme and host, no default port, no trailing slash on a base URL. The
models store that form (registry.fields), so the admin and the API store what they checked.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

from registry.addresses import (
    DEFAULT_PORTS,
    HOST_NAME,
    format_ports,
    host_addresses,
    parse_rules,
)
from registry.validators.text import check_path, check_printable_ascii

#: Names that resolve to cloud metadata services; refused whatever the allowlist says.
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data"})
AWS_METADATA_V6 = ipaddress.IPv6Address("fd00:ec2::254")
BROADCAST = ipaddress.IPv4Address("255.255.255.255")
SCHEME_PORTS = {"http": 80, "https": 443}
EVERY_PORT = ((1, 65535),)

_URL = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<authority>[^/?#]*)(?P<path>[^?#]*)(?P<rest>.*)"
)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_AUTHORITY = re.compile(r"(?P<host>\[[^\]]*\]|[^:\[\]]*)(?::(?P<port>[0-9]*))?")
_NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+")


@dataclass(frozen=True)
class Location:
    """A checked http(s) URL, in parts."""

    scheme: str
    host: str  # a lower-case name or an address (IPv6 without brackets)
    port: int
    path: str

    @property
    def _bracketed_host(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host

    @property
    def address(self) -> str:
        """`host:port`, as messages and the allow- and denylists write it."""
        return f"{self._bracketed_host}:{self.port}"

    def url(self) -> str:
        """The canonical URL: the port only when it is not the scheme's default."""
        port = "" if self.port == SCHEME_PORTS[self.scheme] else f":{self.port}"
        return f"{self.scheme}://{self._bracketed_host}{port}{self.path}"


def _invalid(url: str, reason: str) -> ValidationError:
    return ValidationError(f"{url!r} is not a valid URL: {reason}")


def _host(url: str, text: str) -> str:
    """The canonical host of an authority's host part: lower case, addresses normalised."""
    if text.startswith("["):
        try:
            address = ipaddress.IPv6Address(text[1:-1])
        except ValueError:
            raise _invalid(url, f"{text} is not an IPv6 address") from None
        if address.scope_id:
            raise _invalid(url, "an IPv6 zone is not allowed")
        return str(address.ipv4_mapped or address)
    host = text.lower()
    if not host:
        raise ValidationError("URL has no host")
    try:
        return str(ipaddress.IPv4Address(host))
    except ValueError:
        pass
    if not HOST_NAME.fullmatch(host) or _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
        raise _invalid(url, f"{text!r} is neither a host name nor a dotted IPv4 address")
    return host


def parse_url(url: str, *, base: bool) -> Location:
    """Check the syntax of an http(s) URL without query or fragment; a base URL loses its
    trailing slash (the shell appends paths that start with '/')."""
    check_printable_ascii(url, "URL")
    match = _URL.fullmatch(url)
    if not match:
        scheme = url.partition(":")[0] if ":" in url else ""
        scheme = scheme if _SCHEME.fullmatch(scheme) else ""
        raise ValidationError(f"URL scheme must be http or https, not {scheme or 'none'!r}")
    scheme = match["scheme"].lower()
    if scheme not in SCHEME_PORTS:
        raise ValidationError(f"URL scheme must be http or https, not {scheme!r}")
    if "@" in match["authority"]:
        raise ValidationError("URL must not carry credentials")
    authority = _AUTHORITY.fullmatch(match["authority"])
    if not authority:
        raise _invalid(url, f"{match['authority']!r} is not host[:port]")
    host = _host(url, authority["host"])
    port = SCHEME_PORTS[scheme] if authority["port"] is None else int(authority["port"] or -1)
    if not 1 <= port <= 65535:
        raise _invalid(url, f"port {authority['port'] or '(empty)'} is out of range 1-65535")
    if match["rest"]:
        raise ValidationError(f"a {'base ' if base else ''}URL must not have a query or fragment")
    check_path(match["path"], "URL path")
    path = match["path"].removesuffix("/") if base else match["path"]
    return Location(scheme, host, port, path)


def _check_host(location: Location) -> None:
    """Refuse what is never a fragment's address: metadata services, link-local addresses,
    and addresses of no single host (unspecified, multicast, broadcast)."""
    addresses = host_addresses(location.host)
    if location.host in METADATA_HOSTS or any(
        a.is_link_local or a == AWS_METADATA_V6 for a in addresses
    ):
        raise ValidationError(
            f"host {location.host!r} is a metadata or link-local address and is refused"
        )
    if any(a.is_unspecified or a.is_multicast or a == BROADCAST for a in addresses):
        raise ValidationError(f"host {location.host!r} is not the address of one host")


def _check_lists(location: Location, allowed: Sequence[str], denied: Sequence[str]) -> None:
    """Refuse `location` unless an allowlist entry allows its host and port and no denylist
    entry denies them; the message names the entry that decided."""
    host, port, where = location.host, location.port, location.address
    for rule in parse_rules(tuple(denied), "TESSERA_REGISTRY_DENIED", denied=True):
        if rule.covers(host, port, EVERY_PORT):
            raise ValidationError(
                f"{where} is refused by TESSERA_REGISTRY_DENIED entry {rule.entry!r}: an "
                "internal address (the registry, the shell or a backend stub)"
            )
    rules = parse_rules(tuple(allowed), "TESSERA_REGISTRY_ALLOWED_HOSTS", denied=False)
    if any(rule.covers(host, port, DEFAULT_PORTS) for rule in rules):
        return
    for_host = [rule for rule in rules if rule.covers_host(host)]
    if not for_host:
        raise ValidationError(
            f"host {host!r} is not on the registry's allowlist ({', '.join(allowed)}); "
            "set TESSERA_REGISTRY_ALLOWED_HOSTS to allow it"
        )
    entries = "; ".join(
        f"{rule.entry!r} allows ports {format_ports(rule.port_ranges(DEFAULT_PORTS))}"
        for rule in for_host
    )
    raise ValidationError(
        f"port {port} of {host!r} is not allowed (allowlist entry {entries}); "
        f"add {where!r} to TESSERA_REGISTRY_ALLOWED_HOSTS to allow it"
    )


def _checked(
    url: str, *, base: bool, allowed: Sequence[str] | None, denied: Sequence[str] | None
) -> str:
    location = parse_url(url, base=base)
    _check_host(location)
    _check_lists(
        location,
        settings.REGISTRY_ALLOWED_HOSTS if allowed is None else allowed,
        settings.REGISTRY_DENIED if denied is None else denied,
    )
    return location.url()


def validate_instance_url(
    url: str, allowed_hosts: Sequence[str] | None = None, denied: Sequence[str] | None = None
) -> str:
    """The canonical form of a fragment instance's base URL if shells may fetch from it;
    else raise ValidationError saying why (the lists default to the settings)."""
    return _checked(url, base=True, allowed=allowed_hosts, denied=denied)


def validate_fallback_url(url: str) -> str:
    """The canonical form of a fallback URL (fetched as it is) if shells may fetch it."""
    return _checked(url, base=False, allowed=None, denied=None)
