"""Validation of URLs that the registry hands to shells: the SSRF guard.

A registered instance URL is fetched by every shell, from inside the network. So only
http(s) URLs to hosts on an explicit allowlist are accepted, and cloud metadata and
link-local addresses are refused even if someone allowlists them. The admin form and the
API both call `validate_instance_url`, so they can never disagree.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

#: Names that resolve to cloud metadata services; refused whatever the allowlist says.
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data"})


def _always_refused(host: str) -> bool:
    if host in METADATA_HOSTS:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    # Link-local covers 169.254.169.254 (AWS, GCP, Azure metadata) and fe80::/10;
    # fd00:ec2::254 is AWS's IPv6 metadata endpoint.
    return address.is_link_local or address == ipaddress.ip_address("fd00:ec2::254")


def _allowed(host: str, allowed: list[str]) -> bool:
    """Whether `host` is on the allowlist: a name or address, or an address in a listed
    network (e.g. `10.0.0.0/8` for pods, whose addresses are not known in advance)."""
    if host in {h.lower() for h in allowed}:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    for entry in allowed:
        if "/" in entry:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
    return False


def validate_instance_url(url: str, allowed_hosts: list[str] | None = None) -> str:
    """Return `url` without a trailing slash if fragments may be fetched from it; else raise."""
    allowed = settings.REGISTRY_ALLOWED_HOSTS if allowed_hosts is None else allowed_hosts
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValidationError(f"{url!r} is not a valid URL: {exc}") from None
    if parts.scheme not in {"http", "https"}:
        raise ValidationError(f"URL scheme must be http or https, not {parts.scheme or 'none'!r}")
    host = (parts.hostname or "").lower()
    if not host:
        raise ValidationError("URL has no host")
    if parts.username or parts.password:
        raise ValidationError("URL must not carry credentials")
    if parts.query or parts.fragment:
        raise ValidationError("a base URL must not have a query or fragment")
    if _always_refused(host):
        raise ValidationError(f"host {host!r} is a metadata or link-local address and is refused")
    if not _allowed(host, allowed):
        raise ValidationError(
            f"host {host!r} is not on the registry's allowlist ({', '.join(allowed)}); "
            "set TESSERA_REGISTRY_ALLOWED_HOSTS to allow it"
        )
    if port == 0:
        raise ValidationError("port 0 is not a valid port")
    return url.rstrip("/")
