"""The engine's typed configuration: one frozen value object per fragment.

Registry snapshot (parsed in shell/snapshot/), the benchmark's table, engine and tests all
speak `FragmentConfig`, never loose dicts; defaults live here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from shell.engine.breaker import DEFAULT_BREAKER, Breaker, BreakerSettings, breakers
from tessera.runtime.contract import HOP_BY_HOP, fragment_may_use_cookie

DEFAULT_TIMEOUT_MS = 1000
MAX_TIMEOUT_MS = 30_000
DEFAULT_MAX_BODY_BYTES = 1 << 20
#: Requests in flight to one fragment from one shell, at most (see bulkhead.py).
DEFAULT_MAX_IN_FLIGHT = 100


@dataclass(frozen=True)
class FragmentConfig:
    """How to fetch one fragment and what to do when it fails."""

    name: str
    path_template: str = "/fragment"
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    primary: bool = False  # decides the page's status, redirect, title
    required: bool = False  # the page is an error page if this one fails
    is_async: bool = False  # below the fold: streamed later into a placeholder
    fallback_url: str = ""  # fetched when the fragment fails
    fallback_html: str = ""  # used when the fallback URL fails too
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    forward_headers: tuple[str, ...] = ()  # e.g. ("cookie",): off by default, on purpose
    cookies: tuple[str, ...] = ()  # cookie names its BFF may set and get (see cookies.py)
    instances: tuple[str, ...] = ()  # base URLs of the live instances that serve pages
    canary_instances: tuple[str, ...] = ()  # ...of the canary version, for a share of visitors
    canary_percent: int = 0  # that share (0-100), sticky per visitor
    stable_version: str = ""  # the versions the stable instances run, e.g. "v1" or "v1,v2"
    canary_version: str = ""  # the canary instances' version
    standby_instances: tuple[str, ...] = ()  # live, serving no pages (e.g. a draining version)
    # What the fragment's own Cache-Control leaves out (see cache_control.py), in seconds:
    cache_max_age: int = 0  # how long a response stays fresh
    stale_if_error: int = 0  # how long after that it may stand in for a failed fetch
    breaker: BreakerSettings = DEFAULT_BREAKER
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT  # the bulkhead
    #: The fragment's live breaker: the process's one for this name, configured by the
    #: newest config of the name. Looked up once here rather than on every fetch.
    circuit: Breaker = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not 0 < self.timeout_ms <= MAX_TIMEOUT_MS:
            raise ValueError(f"{self.name}: timeout_ms {self.timeout_ms} out of range")
        if not self.path_template.startswith("/"):
            raise ValueError(f"{self.name}: path template must start with '/'")
        if not 0 < self.max_body_bytes <= 16 * DEFAULT_MAX_BODY_BYTES:
            raise ValueError(f"{self.name}: max_body_bytes {self.max_body_bytes} out of range")
        if self.cache_max_age < 0 or self.stale_if_error < 0:
            raise ValueError(f"{self.name}: cache durations cannot be negative")
        if self.max_in_flight < 1:
            raise ValueError(f"{self.name}: max_in_flight must be at least 1")
        hop = HOP_BY_HOP.intersection(h.lower() for h in self.forward_headers)
        if hop:
            raise ValueError(f"{self.name}: hop-by-hop headers cannot be forwarded: {sorted(hop)}")
        refused = [name for name in self.cookies if not fragment_may_use_cookie(name)]
        if refused:
            raise ValueError(f"{self.name}: cookie names not allowed: {refused}")
        circuit = breakers.get(self.name, self.breaker, self.timeout_ms)
        object.__setattr__(self, "circuit", circuit)  # frozen: set once, here

    @property
    def timeout(self) -> float:
        return self.timeout_ms / 1000

    def path(self, params: Mapping[str, str]) -> str:
        """The fragment path with route parameters filled in (values already URL-quoted).

        A parameter of the path part must be given (KeyError otherwise); one of the query
        part is optional and left empty, so one fragment can serve pages with different
        parameters (e.g. `/fragment?category={category}&q={q}`). A value that would make a
        dot segment of the path is a ValueError: a path-normalising hop would resolve it.
        """
        path, separator, query = self.path_template.partition("?")
        path = path.format_map(params)
        if "." in path and {".", ".."} & set(path.split("/")):
            raise ValueError(f"{self.name}: a parameter makes a dot segment of {path!r}")
        if separator:
            path += separator + query.format_map(_Optional(params))
        return path

    @property
    def every_instance(self) -> tuple[str, ...]:
        """Every live instance, whatever version (e.g. for content-hashed assets)."""
        return tuple(dict.fromkeys(self.instances + self.canary_instances + self.standby_instances))


class _Optional(dict):
    """Parameters where a missing one is empty."""

    def __missing__(self, key: str) -> str:
        return ""
