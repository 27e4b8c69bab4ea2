"""The bodies of the registry's API, as its OpenAPI document describes them.

A request body is a JSON object whose fields have exactly their declared JSON types: no `"5"`
or `true` for 5, no `1` for true; a body that is not an object is refused whole. The rules for
what a string may hold (names, URLs, paths) are the models' (registry.validators): the API runs
them through `full_clean`, as the admin does, and the patterns here only repeat them for the
document, from the same constants.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from registry.models import (
    BREAKER_STATES,
    REPORT_DEFAULT_INTERVAL_S,
    REPORT_INTERVAL_S,
    REPORT_MAX_COUNT,
    REPORT_MAX_FRAGMENTS,
    REPORT_MAX_LATENCY_MS,
    REPORT_TRAFFIC_POINTS,
    TIMEOUT_MS,
)
from registry.validators import NAME, SHELL_ID, VERSION

#: A forced breaker state: "" (automatic), "open" or "closed".
Forced = Literal["", "open", "closed"]
BreakerState = Literal[BREAKER_STATES]  # type: ignore[valid-type]
FragmentName = Annotated[str, StringConstraints(pattern=f"^{NAME}$")]


class Body(BaseModel):
    """A request body: a JSON object with strict JSON types."""

    model_config = ConfigDict(strict=True)

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError("the request body must be a JSON object")
        return data


class InstanceIn(Body):
    """A registration. Unknown fields are ignored: a newer fragment kit may send more."""

    fragment: str = Field(pattern=f"^{NAME}$", description="the fragment's name")
    base_url: str = Field(max_length=300, description="where this instance serves, http(s)")
    version: str = Field("dev", pattern=f"^{VERSION}$")
    path_template: str = Field(
        "/fragment", max_length=300, description="used when the fragment is first registered"
    )
    timeout_ms: int = Field(1000, ge=TIMEOUT_MS[0], le=TIMEOUT_MS[1])
    primary: bool = Field(False, description="used when the fragment is first registered")
    is_async: bool = Field(False, description="used when the fragment is first registered")
    owner: str = Field("", max_length=100)
    description: str = Field("", max_length=2000)
    manual: bool | None = Field(
        None,
        description="true: an instance that sends no heartbeats (a static origin, a hand-run "
        "service), which gets traffic until it is deregistered instead of expiring. Left out, "
        "a new instance is not manual and a registered one keeps what it was",
    )
    weight: int | None = Field(
        None,
        ge=0,
        le=1000,
        description="its share among the live instances (default 100); left out, a registered "
        "instance keeps the weight an operator gave it",
    )


class TrafficIn(Body):
    """The whole traffic setting of a fragment; an unknown field (a typo) is refused rather
    than left to reset its setting."""

    model_config = ConfigDict(strict=True, extra="forbid")

    pinned_version: str = Field(
        "", pattern=f"^({VERSION})?$", description="blank: every version serves"
    )
    canary_version: str = Field("", pattern=f"^({VERSION})?$", description="blank: no canary")
    canary_percent: int = Field(0, ge=0, le=100, description="share of visitors, sticky")


class BreakerIn(Body):
    """An operator's forced breaker state for a fragment."""

    model_config = ConfigDict(strict=True, extra="forbid")

    forced: Forced = Field(
        description='"open": every page goes straight to the fallback chain; "closed": no '
        'breaker; "": the breaker decides'
    )


def _count(description: str) -> Any:
    return Field(ge=0, le=REPORT_MAX_COUNT, description=description)


class BreakerReport(Body):
    """One fragment's breaker on one shell: its state and its current window's counters.
    Unknown fields are ignored: a newer shell may send more."""

    state: BreakerState
    calls: int = _count("calls in the window")
    failures: int = _count("failed calls in the window")
    slow: int = _count("slow calls in the window")
    rejected: int = _count("calls the breaker or the bulkhead turned away")


#: The fields of a traffic point, in order (its JSON form is an array).
POINT_FIELDS = ("t", "requests", "errors", "p50_ms", "p99_ms")
#: Latest unix time a point may carry (the year 5138): a bound, not a clock check.
MAX_UNIX_TIME = 1e11

_Time = Annotated[float, Field(ge=0, le=MAX_UNIX_TIME, allow_inf_nan=False)]
_Count = Annotated[int, Field(ge=0, le=REPORT_MAX_COUNT)]
_Latency = Annotated[float, Field(ge=0, le=REPORT_MAX_LATENCY_MS, allow_inf_nan=False)]


def _an_array_of_five(value: Any) -> Any:
    """A point arrives as a JSON array: check its length with a clear message and hand the
    items on as a tuple (strict mode takes no list for a tuple)."""
    if isinstance(value, list):
        if len(value) != len(POINT_FIELDS):
            raise ValueError(
                f"a point is [{', '.join(POINT_FIELDS)}]: {len(POINT_FIELDS)} values, "
                f"not {len(value)}"
            )
        return tuple(value)
    return value


def _consistent(point: tuple) -> tuple:
    _, requests, errors, p50, p99 = point
    if errors > requests:
        raise ValueError(f"errors ({errors}) exceed requests ({requests})")
    if requests == 0 and (p50 is not None or p99 is not None):
        raise ValueError("an interval without requests has null latencies")
    if (p50 is None) != (p99 is None):
        raise ValueError("an interval has both latencies or neither")
    return point


def _oldest_first(points: list[tuple]) -> list[tuple]:
    for before, after in itertools.pairwise(points):
        if after[0] <= before[0]:
            raise ValueError(f"points go oldest first: t {after[0]} follows {before[0]}")
    return points


TrafficPoint = Annotated[
    tuple[_Time, _Count, _Count, _Latency | None, _Latency | None],
    BeforeValidator(_an_array_of_five),
    AfterValidator(_consistent),
]
TrafficSeries = Annotated[
    list[TrafficPoint], Field(max_length=REPORT_TRAFFIC_POINTS), AfterValidator(_oldest_first)
]


class ShellReportIn(Body):
    """A shell's report on its circuit breakers, one entry per fragment it knows, and on the
    traffic it sent each fragment lately. Unknown fields are ignored: a newer shell may send
    more; a shell that predates `traffic` sends none."""

    shell: str = Field(
        pattern=f"^{SHELL_ID}$",
        description="the shell's id, e.g. its host:port (1-100 visible ASCII characters)",
    )
    fragments: dict[FragmentName, BreakerReport] = Field(
        max_length=REPORT_MAX_FRAGMENTS, description="fragment name -> its breaker"
    )
    traffic: dict[FragmentName, TrafficSeries] = Field(
        default_factory=dict,
        max_length=REPORT_MAX_FRAGMENTS,
        description=f"fragment name -> at most {REPORT_TRAFFIC_POINTS} points, oldest first, "
        "each [t, requests, errors, p50_ms, p99_ms] for one report interval ending at unix "
        "time t; errors at most requests; latencies (of the fetches among the requests) "
        "null when there were none, always when there were no requests",
    )
    interval_s: float = Field(
        REPORT_DEFAULT_INTERVAL_S,
        ge=REPORT_INTERVAL_S[0],
        le=REPORT_INTERVAL_S[1],
        allow_inf_nan=False,
        description="seconds each traffic point covers",
    )


class InstanceOut(Schema):
    id: int
    fragment: str
    base_url: str
    version: str
    manual: bool
    weight: int
    last_heartbeat: datetime
    up: bool


class TrafficOut(Schema):
    fragment: str
    pinned_version: str
    canary_version: str
    canary_percent: int
    shares: dict[str, float] = Field(description="live version -> percent of visitors")


class Problem(Schema):
    """An error: missing token, unknown object, unreadable body."""

    detail: str


class Issue(Schema):
    """One reason a request was refused: where (`loc`, e.g. body, payload, base_url), why."""

    type: str
    loc: list[str | int]
    msg: str


class Invalid(Schema):
    """A refused request: every field that is wrong, each with its reason."""

    detail: list[Issue]


class SnapshotInstance(Schema):
    base_url: str
    version: str
    weight: int


class SnapshotRouting(Schema):
    stable: list[str]
    canary: str
    canary_percent: int


class SnapshotCache(Schema):
    max_age: int
    stale_if_error: int


class SnapshotBreaker(Schema):
    """A fragment's circuit breaker, as each shell keeps one."""

    window_s: int = Field(description="seconds of recent calls the breaker judges by")
    min_calls: int = Field(description="calls in the window before it may open")
    failure_rate: int = Field(description="percent of failing calls at which it opens")
    slow_rate: int = Field(description="percent of slow calls at which it opens")
    slow_ms: int = Field(description="a call taking longer is slow; 0: the fragment's timeout")
    open_s: int = Field(description="seconds it stays open before trial calls")
    half_open_calls: int = Field(description="trial calls while half open")
    forced: Forced = Field(description='"open", "closed", or "" (the breaker decides)')


class BreakerOut(SnapshotBreaker):
    """A fragment's breaker settings (as shells get them)."""

    fragment: str


class SnapshotFragment(Schema):
    name: str
    path_template: str
    timeout_ms: int
    primary: bool
    required: bool
    is_async: bool = Field(alias="async")
    fallback_url: str
    fallback_html: str
    forward_headers: list[str] = Field(description="request headers the fragment receives")
    cookies: list[str] = Field(description="cookies its BFF may set, under /bff/<fragment>/")
    max_body_bytes: int
    cache: SnapshotCache
    breaker: SnapshotBreaker
    max_in_flight: int = Field(description="bulkhead: most requests in flight, per shell")
    instances: list[SnapshotInstance] = Field(description="the live ones")
    routing: SnapshotRouting


class SnapshotPage(Schema):
    name: str
    route: str
    layout: str
    title: str
    slots: dict[str, list[str]] = Field(description="slot -> fragment names, in order")
    params: dict[str, dict[str, dict[str, str]]] = Field(
        default_factory=dict,
        description="slot -> fragment -> the placement's own values for the fragment's path "
        "parameters (winning over the route's); only placements that have any",
    )


class Snapshot(Schema):
    """Everything a shell needs to compose every page."""

    fragments: list[SnapshotFragment]
    pages: list[SnapshotPage]
