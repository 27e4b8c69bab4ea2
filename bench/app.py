"""The shell's page handler composing the benchmark's standard page from a fragment origin.

The standard page is the product page: six fragments of 2-6 KB (24 KB in all), the product
fragment primary. `BENCH_ORIGIN` is the origin's base URL; fragment `name` is fetched from
`<origin>/<name>`, with `size` and `delay` query parameters that the bench origin honours
and any other origin ignores. `/fast/<sku>` asks for no delay; `/slow/<sku>` for 5-80 ms;
`/cached/<sku>` for none, with fragments the origin marks cacheable (`cache`: `public,
max-age`), so the shell's fragment cache serves them.

With `BENCH_FRAGMENT_TIMINGS=1` (the shell `python -m bench` measures latencies on), a slow
page ends with a comment giving the latencies of its slowest fragment and its primary as the
shell saw them, from the engine's `fragment_resolved` events, so that `bench.latency` can
tell composition overhead from waiting, page by page. Elsewhere the bench's own subscriber
is left out: it would be counted as the shell's work (14,000 instructions a page).

The page handler runs as the shell's does: in `ServiceApp`, with the shell's metrics counted,
so that what these cost is in every figure.
"""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shell.settings")
django.setup()

from shell.engine import FragmentConfig, Outcome, Page, PageApp, Site, fragment_resolved  # noqa: E402
from shell.metrics import FragmentMetrics  # noqa: E402
from tessera.runtime.asgi import ServiceApp, send_response  # noqa: E402
from tessera.runtime.tracing import SCOPE_KEY  # noqa: E402

#: name -> (body bytes, delay in ms on the slow page); the first is the primary.
STANDARD_PAGE = {
    "product": (6000, 20),
    "header": (2000, 5),
    "buybox": (3000, 10),
    "reviews": (5000, 40),
    "recommendations": (4000, 80),
    "footer": (4000, 5),
}
SLOWEST_MS = max(delay for _, delay in STANDARD_PAGE.values())
#: The standard page's variants, each a route `/<speed>/<sku>`.
SPEEDS = ("fast", "slow", "cached")
#: Pages for the cost against work (`bench --work`, `bench.instructions --work`), uncached,
#: no delay: `/fan<n>/<sku>` has n fragments of the standard page's sizes (its six bodies in
#: turn, the first the primary); `/size-<body>/<sku>` six fragments of one body of that many
#: KB.
FAN_OUT = (6, 12, 24, 48)
SIZED_BODIES = {"small": 2, "medium": 24, "large": 200}
#: Pages in flight at once on those pages (`python -m bench --work`): one, so that 48
#: fragments stay within the connections to one origin (64) and its bulkhead (100 in flight).
WORK_CONNECTIONS = 1


def _work_fragments(origin: str) -> dict[str, FragmentConfig]:
    """The fragments of the cost-against-work pages."""
    bodies = list(STANDARD_PAGE)
    named = [(f"fan-{i}", bodies[i % len(bodies)], i == 0) for i in range(max(FAN_OUT))]
    named += [(f"{body}-{i}", body, i == 0) for body in SIZED_BODIES for i in range(6)]
    return {
        name: FragmentConfig(
            name=name,
            path_template=f"/{body}?delay=0",
            timeout_ms=1000,
            primary=primary,
            instances=(origin,),
        )
        for name, body, primary in named
    }


def _work_pages() -> list[Page]:
    """Product pages whose primary fills the product slot and the rest the reviews slot."""
    fan_out = {f"fan{n}": [f"fan-{i}" for i in range(n)] for n in FAN_OUT}
    sized = {f"size-{body}": [f"{body}-{i}" for i in range(6)] for body in SIZED_BODIES}
    return [
        Page(
            name=name,
            route=f"/{name}/{{sku}}",
            layout="product.html",
            title="Benchmark product",
            slots={"product": (names[0],), "reviews": tuple(names[1:])},
        )
        for name, names in {**fan_out, **sized}.items()
    ]


def fragments(origin: str) -> dict[str, FragmentConfig]:
    configs = _work_fragments(origin)
    for speed in SPEEDS:
        for name, (size, delay) in STANDARD_PAGE.items():
            seconds = delay / 1000 if speed == "slow" else 0
            cache = "&cache=3600" if speed == "cached" else ""
            configs[f"{name}-{speed}"] = FragmentConfig(
                name=f"{name}-{speed}",
                # The SKU makes each product's fragments cache entries of their own, as a
                # real product page's are (bench.soak asks for many).
                path_template=f"/{name}?size={size}&delay={seconds}{cache}&sku={{sku}}",
                timeout_ms=1000,
                primary=name == "product",
                instances=(origin,),
            )
    return configs


def pages() -> list[Page]:
    """The standard page's variants first: the router tries routes in order."""
    standard = [
        Page(
            name=speed,
            route=f"/{speed}/{{sku}}",
            layout="product.html",
            title="Benchmark product",
            slots={name: (f"{name}-{speed}",) for name in STANDARD_PAGE},
        )
        for speed in SPEEDS
    ]
    return standard + _work_pages()


async def not_found(scope, receive, send) -> None:
    if scope["type"] == "http":
        await send_response(send, 404, b"not found")


_site = Site.build(pages(), fragments(os.environ.get("BENCH_ORIGIN", "http://127.0.0.1:9301/f")))
_pages = PageApp(
    lambda: _site,
    not_found,
    context_key=b"bench-context-key",
    visitor_key=b"bench-visitor-key",
    # bench.inprocess runs pages ~50 times slower under callgrind: it watches later.
    watch_disconnect_after=float(os.environ.get("BENCH_WATCH_DISCONNECT_AFTER", "0.05")),
    site_name="Tessera",  # as the shell runs it: after each page's title
)

#: request id -> [slowest fragment ms, primary ms], for slow pages still being sent.
_timings: dict[str, list[float]] = {}


def _record(outcome: Outcome, request_id: str) -> None:
    if outcome.name.endswith("-slow"):
        timings = _timings.setdefault(request_id, [0.0, 0.0])
        timings[0] = max(timings[0], outcome.duration_ms)
        if outcome.name == "product-slow":
            timings[1] = outcome.duration_ms


#: Whether slow pages carry their fragments' timings (see above).
FRAGMENT_TIMINGS = os.environ.get("BENCH_FRAGMENT_TIMINGS") == "1"
if FRAGMENT_TIMINGS:
    fragment_resolved.append(_record)


async def _timed_pages(scope, receive, send) -> None:
    """The page handler; slow pages get their fragments' timings appended, if asked."""
    if not FRAGMENT_TIMINGS or scope["type"] != "http" or not scope["path"].startswith("/slow/"):
        await _pages(scope, receive, send)
        return
    request_id = scope[SCOPE_KEY].request_id  # the id the engine's events carry

    async def send_with_timings(message: dict) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            slowest, primary = _timings.pop(request_id, (0.0, 0.0))
            comment = f"<!--bench slowest={slowest:.3f} primary={primary:.3f}-->"
            message = {**message, "body": message.get("body", b"") + comment.encode()}
        await send(message)

    try:
        await _pages(scope, receive, send_with_timings)
    finally:  # a page the client left never sends its last part
        _timings.pop(request_id, None)


FragmentMetrics.install(lambda: None)  # counted as in the shell, though no one scrapes here
#: As the shell runs: in the envelope every service runs in (ids, log line, metrics).
application = ServiceApp(_timed_pages, service="shell", trust_request_id=False)
