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
    BREAKER_HALF_OPEN_CALLS,
    BREAKER_MIN_CALLS,
    BREAKER_OPEN_S,
    BREAKER_RATE,
    BREAKER_SLOW_MS,
    BREAKER_STATES,
    BREAKER_WINDOW_S,
    DESCRIPTION_CHARS,
    FALLBACK_HTML_CHARS,
    MAX_IN_FLIGHT,
    REPORT_DEFAULT_INTERVAL_S,
    REPORT_INTERVAL_S,
    REPORT_MAX_COUNT,
    REPORT_MAX_FRAGMENTS,
    REPORT_MAX_LATENCY_MS,
    REPORT_TRAFFIC_POINTS,
    TIMEOUT_MS,
)
from registry.validators import (
    LANGUAGE,
    LAYOUT,
    MAX_PARAMS,
    MAX_SLOTS,
    MAX_TITLES,
    NAME,
    SHELL_ID,
    SLOT,
    TITLE_CHARS,
    VERSION,
)

#: A forced breaker state: "" (automatic), "open" or "closed".
Forced = Literal["", "open", "closed"]
BreakerState = Literal[BREAKER_STATES]  # type: ignore[valid-type]
FragmentName = Annotated[str, StringConstraints(pattern=f"^{NAME}$")]
#: A page's titles by language (`Page.titles`): the language's tag to the title in it.
Titles = dict[
    Annotated[str, StringConstraints(pattern=f"^{LANGUAGE}$")],
    Annotated[str, StringConstraints(min_length=1, max_length=TITLE_CHARS)],
]
TITLES_DESCRIPTION = (
    'the title in other languages, by language tag, e.g. {"ko": "장바구니"}: a page in a '
    "language without one has `title`"
)


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
    titles: dict[str, str] = Field(
        default_factory=dict,
        description="language -> the title in it (the page's language's wins over `title`); "
        "only pages that have any",
    )
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


class InstancePatch(Body):
    """What an operator changes on an instance; a field left out keeps its value."""

    model_config = ConfigDict(strict=True, extra="forbid")

    version: str = Field("dev", pattern=f"^{VERSION}$")
    weight: int = Field(100, ge=0, le=1000, description="its share among the live instances")
    manual: bool = Field(False, description="true: never expires by heartbeat")


def _bounded(bounds: tuple[int, int], default: int, description: str) -> Any:
    return Field(default, ge=bounds[0], le=bounds[1], description=description)


class FragmentIn(Body):
    """A fragment's settings, as the admin shows them. PUT takes the whole setting (a field
    left out is reset to its default); PATCH changes only the fields given. An unknown field
    (a typo) is refused rather than ignored."""

    model_config = ConfigDict(strict=True, extra="forbid")

    owner: str = Field("", max_length=100, description="owning team")
    description: str = Field("", max_length=DESCRIPTION_CHARS)
    path_template: str = Field(
        "/fragment",
        max_length=300,
        description="e.g. /fragment/{sku}; {parameters} come from the page's route or the "
        "placement's own parameters",
    )
    timeout_ms: int = _bounded(TIMEOUT_MS, 1000, "the fetch's deadline")
    primary: bool = Field(False, description="decides the page's status and title")
    required: bool = Field(False, description="the page fails without it")
    is_async: bool = Field(False, description="below the fold: streamed after the rest")
    cache_max_age: int = _bounded((0, 86_400), 0, "seconds fresh when the fragment says none")
    cache_stale_if_error: int = _bounded(
        (0, 604_800), 0, "seconds a stale copy may stand in for a failed fetch"
    )
    breaker_window_s: int = _bounded(BREAKER_WINDOW_S, 10, "seconds of calls judged")
    breaker_min_calls: int = _bounded(BREAKER_MIN_CALLS, 20, "calls before it may open")
    breaker_failure_rate: int = _bounded(BREAKER_RATE, 50, "percent failing that opens it")
    breaker_slow_rate: int = _bounded(BREAKER_RATE, 100, "percent slow that opens it")
    breaker_slow_ms: int = _bounded(BREAKER_SLOW_MS, 0, "a slow call; 0: the timeout")
    breaker_open_s: int = _bounded(BREAKER_OPEN_S, 5, "seconds open before trial calls")
    breaker_half_open_calls: int = _bounded(BREAKER_HALF_OPEN_CALLS, 3, "trial calls")
    breaker_forced: Forced = Field("", description='"open", "closed" or "" (automatic)')
    max_in_flight: int = _bounded(MAX_IN_FLIGHT, 100, "bulkhead: most in flight per shell")
    fallback_url: str = Field("", max_length=300)
    fallback_html: str = Field("", max_length=FALLBACK_HTML_CHARS)
    forward_headers: str = Field("", max_length=300, description="comma-separated names")
    cookies: str = Field("", max_length=300, description="comma-separated cookie names")
    max_body_bytes: int = _bounded((1024, 16 << 20), 1 << 20, "largest body accepted")
    enabled: bool = True
    pinned_version: str = Field("", pattern=f"^({VERSION})?$", description="blank: every one")
    canary_version: str = Field("", pattern=f"^({VERSION})?$", description="blank: no canary")
    canary_percent: int = Field(0, ge=0, le=100, description="share of visitors, sticky")


class FragmentOut(Schema):
    """A fragment: its name, every setting, and how many of its instances are live."""

    name: str
    settings: FragmentIn = Field(description="what PUT takes back, changed")
    live_instances: int
    instances: int


class PlacementIn(Body):
    """A fragment in a slot of a page."""

    model_config = ConfigDict(strict=True, extra="forbid")

    slot: str = Field(pattern=f"^{SLOT}$", description="a slot of the page's layout")
    fragment: str = Field(pattern=f"^{NAME}$")
    order: int = Field(0, ge=0, le=2_147_483_647, description="position within the slot")
    params: dict[str, str] = Field(
        default_factory=dict,
        max_length=MAX_PARAMS,
        description="values for the fragment's path parameters here, winning over the route's",
    )


class PlacementOut(Schema):
    id: int
    page: str
    slot: str
    fragment: str
    order: int
    params: dict[str, str]


class PageIn(Body):
    """A page and its placements. PUT takes the whole page: its placements replace the
    page's (a placement left out is removed); PATCH changes only the fields given, and the
    placements only when `placements` is given."""

    model_config = ConfigDict(strict=True, extra="forbid")

    route: str = Field(max_length=200, description="e.g. /product/{sku}")
    layout: str = Field(pattern=f"^{LAYOUT}$", description="a layout the shells published")
    title: str = Field(max_length=200)
    titles: Titles = Field(
        default_factory=dict, max_length=MAX_TITLES, description=TITLES_DESCRIPTION
    )
    placements: list[PlacementIn] = Field(default_factory=list, max_length=200)


class PagePatch(Body):
    """The fields of a page to change; `placements`, when given, replaces its placements."""

    model_config = ConfigDict(strict=True, extra="forbid")

    route: str = Field("", max_length=200)
    layout: str = Field("", pattern=f"^{LAYOUT}$")
    title: str = Field("", max_length=200)
    titles: Titles = Field(
        default_factory=dict, max_length=MAX_TITLES, description=TITLES_DESCRIPTION
    )
    placements: list[PlacementIn] = Field(default_factory=list, max_length=200)


class PageOut(Schema):
    name: str
    route: str
    layout: str
    title: str
    titles: dict[str, str] = Field(description=TITLES_DESCRIPTION)
    placements: list[PlacementOut]


class LayoutIn(Body):
    """A layout's slots, as a shell publishes them."""

    model_config = ConfigDict(strict=True, extra="forbid")

    slots: list[str] = Field(max_length=MAX_SLOTS, description="slot names, in page order")


class LayoutOut(Schema):
    name: str
    slots: list[str]
    published_at: datetime
    pages: list[str] = Field(description="the pages using it")
