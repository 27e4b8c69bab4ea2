"""Host and port rules of the SSRF guard: the entries of `TESSERA_REGISTRY_ALLOWED_HOSTS`
and `TESSERA_REGISTRY_DENIED`, and whether one covers a host and port.

An entry is a host name (`localhost`), an address (`127.0.0.1`, `[::1]`) or a network
(`10.0.0.0/8`, `[fd00::/8]`), optionally followed by a port or an inclusive port range
(`127.0.0.1:8100-8199`, `10.0.0.0/8:8080`, `[::1]:8100`). An allowlist entry without ports
allows 80, 443 and the unprivileged ports, so SSH, mail and other system services of an
allowed host stay out of reach unless an entry names their port. A denylist entry without
ports denies every port, and a denied unspecified address (`0.0.0.0:8001`, a service
listening on every interface) denies that port of every address. Names are compared as
names, except that `localhost` and `*.localhost` always mean the loopback addresses
(RFC 6761): `localhost:8001` is refused wherever `127.0.0.1:8001` is. A denied loopback
address denies its port on every loopback address (`[::1]:8001`, `127.0.0.2:8001`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
PortRange = tuple[int, int]

#: The ports an allowlist entry without ports allows: the web's and the unprivileged ones.
DEFAULT_PORTS: tuple[PortRange, ...] = ((80, 80), (443, 443), (1024, 65535))
LOOPBACK: tuple[Address, ...] = (ipaddress.IPv4Address("127.0.0.1"), ipaddress.IPv6Address("::1"))
EVERY_ADDRESS: tuple[Network, ...] = (
    ipaddress.IPv4Network("0.0.0.0/0"),
    ipaddress.IPv6Network("::/0"),
)
#: Every loopback address: one host, whichever of them a URL names.
EVERY_LOOPBACK: tuple[Network, ...] = (
    ipaddress.IPv4Network("127.0.0.0/8"),
    ipaddress.IPv6Network("::1/128"),
)
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
HOST_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_PORTS = re.compile(r"([0-9]{1,5})(?:-([0-9]{1,5}))?")


def host_addresses(host: str) -> tuple[Address, ...]:
    """What `host` (a lower-case name or address) is known to stand for without asking DNS:
    an address itself (an IPv4-mapped IPv6 address as IPv4), the loopback addresses for a
    localhost name, nothing for any other name."""
    if host == "localhost" or host.endswith(".localhost"):
        return LOOPBACK
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return ()
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return (address.ipv4_mapped,)
    return (address,)


def format_ports(ranges: Sequence[PortRange]) -> str:
    """`((80, 80), (1024, 65535))` as `80, 1024-65535`, for messages."""
    return ", ".join(str(low) if low == high else f"{low}-{high}" for low, high in ranges)


@dataclass(frozen=True)
class Rule:
    """One entry: the hosts it covers (a name, or networks) and its ports (None: not given)."""

    entry: str  # as configured, for messages
    name: str | None
    networks: tuple[Network, ...]
    ports: PortRange | None

    def covers_host(self, host: str) -> bool:
        theirs = host_addresses(host)
        if self.name is not None:
            return self.name == host or bool(set(host_addresses(self.name)) & set(theirs))
        return any(address in network for address in theirs for network in self.networks)

    def port_ranges(self, default: Sequence[PortRange]) -> tuple[PortRange, ...]:
        return (self.ports,) if self.ports else tuple(default)

    def covers(self, host: str, port: int, default: Sequence[PortRange]) -> bool:
        """Whether `host:port` is this entry's, with `default` ports for an entry without."""
        ranges = self.port_ranges(default)
        return self.covers_host(host) and any(low <= port <= high for low, high in ranges)


def _ports(text: str) -> PortRange:
    match = _PORTS.fullmatch(text)
    if not match:
        raise ValueError(f"{text!r} is not a port or a port range such as 8100-8199")
    low = int(match[1])
    high = int(match[2] or low)
    if not 1 <= low <= high <= 65535:
        raise ValueError(f"{text!r} is not a port range within 1-65535")
    return low, high


def _split(entry: str) -> tuple[str, str | None]:
    """An entry's host part and its port part (None without one)."""
    if entry.startswith("["):
        host, bracket, rest = entry[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError("an IPv6 address or network goes in brackets, e.g. [::1]:8100")
        return host, rest[1:] if rest else None
    if entry.count(":") > 1:  # an IPv6 address or network without brackets, so without ports
        return entry, None
    host, colon, ports = entry.partition(":")
    return host, ports if colon else None


def parse_rule(entry: str, *, denied: bool) -> Rule:
    """One configured entry as a rule; raise ValueError saying what is wrong with it."""
    text = entry.strip().lower()
    host, ports = _split(text)
    port_range = _ports(ports) if ports is not None else None
    try:
        network = ipaddress.ip_network(host, strict=False)
    except ValueError:
        if not HOST_NAME.fullmatch(host):
            raise ValueError(f"{host!r} is not a host name, an address or a network") from None
        return Rule(text, host, (), port_range)
    if network.num_addresses == 1 and network.network_address.is_unspecified:
        if not denied:
            raise ValueError(f"{host} is no host's address; list the addresses to allow")
        return Rule(text, None, EVERY_ADDRESS, port_range)
    if denied and network.network_address.is_loopback:  # `[::1]:8001` is `127.0.0.1:8001`
        return Rule(text, None, EVERY_LOOPBACK, port_range)
    return Rule(text, None, (network,), port_range)


@lru_cache(maxsize=32)
def parse_rules(entries: tuple[str, ...], setting: str, *, denied: bool) -> tuple[Rule, ...]:
    """Every entry of `setting` as a rule; raise ValueError naming the setting and the entry."""
    rules = []
    for entry in entries:
        try:
            rules.append(parse_rule(entry, denied=denied))
        except ValueError as exc:
            raise ValueError(f"{setting}: entry {entry!r}: {exc}") from None
    return tuple(rules)
