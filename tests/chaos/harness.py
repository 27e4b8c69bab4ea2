"""The chaos suite's tools: a steady page load, hostile fragment instances, the registry's
traffic switch, backend faults, and the matrix every case adds a row to.

How a slot was filled is told by two things: the markup in its box (`classify`: the
fragment's own, degraded, hostile, a fallback, a retry placeholder, nothing) and how the
shell had it (`Sample.via`): from the page's `Server-Timing` (`desc="ok stale-if-error"`),
and for a fragment still pending when the head went out (`desc="streamed"`) from the shell's
log, which names every fragment that failed with the page's request id and its via; one
that was pending and did not fail was fetched for the page ("fetched": a miss, a
revalidation or another page's fetch awaited; a cached copy is taken at once, before the
head, so it is never among them).

Everything here is loopback only and bounded: every loop has a count and a time limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from shell.engine.containment import contain

PAGE = "/product/SKU-1001"
#: The shell's ways of having a fragment's answer, as its Server-Timing names them (`via`).
#: Fetched for the page: "" (not kept), "miss" (kept), "revalidated" (a 304 renewed the copy),
#: "coalesced" (another page's fetch awaited), and "fetched" (pending at the head and not
#: failed, see the module's docstring).
FETCHED = frozenset({"", "miss", "revalidated", "coalesced", "fetched"})
#: A kept copy, the fragment not asked (hit), asked in the background (stale) or failed
#: (stale-if-error).
CACHED = frozenset({"hit", "stale", "stale-if-error"})
#: Not asked at all.
REFUSED = frozenset({"breaker-open", "bulkhead-full"})
#: `Sample.via` of a page the fragment is not on (the error page, no answer).
ABSENT = "-"
#: Every fragment of the product page and the marker of its own markup.
OWN_MARKERS = {
    "header": '<header class="site-header"',
    "product": '<article class="product"',
    "buybox": '<section class="buybox"',
    "reviews": '<section class="reviews"',
    "recommendations": '<section class="recommendations"',
    "footer": '<footer class="site-footer"',
}
#: Markers of a fragment's own, degraded answer (it rendered without its backend).
DEGRADED_MARKERS = {
    "reviews": 'class="reviews__notice"',
    "header": 'aria-label="Cart"',  # no count: the cart could not be asked
}
#: The product page's async fragments: streamed at the end of the body into their boxes.
ASYNC = frozenset({"recommendations"})
#: In every body a hostile instance sends: if it is on a page, the hostile answer was taken.
HOSTILE_MARK = "chaos-hostile"
CLIENTS = 4
#: Seconds between the clients' first requests.
STAGGER = 0.05
#: How long one page request may take before the client counts it as failed (the shell's
#: page budget is 10 s).
CLIENT_TIMEOUT = 15.0


# -- pages ----------------------------------------------------------------------------------


_DIV = re.compile(r"<div\b|</div\s*>", re.IGNORECASE)


def _box_end(html: str, start: int) -> int | None:
    """Where the `<div>` whose content starts at `start` ends (index of its `</div>`)."""
    depth = 1
    for tag in _DIV.finditer(html, start):
        depth += -1 if tag.group().startswith("</") else 1
        if depth == 0:
            return tag.start()
    return None


def slot_html(html: str, name: str) -> tuple[str | None, int | None]:
    """The markup the page holds for fragment `name` (for an async fragment, what was streamed
    into its placeholder), and where its box ends; (None, None) when it is not there."""
    opening = re.search(
        rf'<div data-fragment="{re.escape(name)}"(?: id="(tessera-async-\d+)" aria-busy="true")?>',
        html,
    )
    if opening is None:
        return None, None
    start = opening.end()
    if opening.group(1):  # async: the fill comes at the end of the body
        fill = f'<div data-tessera-fill="{opening.group(1)}">'
        at = html.find(fill, start)
        if at < 0:
            return None, None
        start = at + len(fill)
    end = _box_end(html, start)
    if end is None:
        return html[start:], None
    return html[start:end], end


def classify(inner: str | None, name: str, fallback_html: str = "") -> str:
    """What filled a slot: the fragment's own markup (or its degraded version), the hostile
    answer, its fallback, a browser-retry placeholder, nothing, or something else."""
    if inner is None:
        return "missing"
    text = inner.strip()
    if not text:
        return "empty"
    if "data-tessera-retry" in text:
        return "retry"
    if HOSTILE_MARK in text:
        return "hostile"
    if fallback_html and text == contain(fallback_html).strip():
        return "fallback"
    if OWN_MARKERS.get(name, "\0") in text:
        degraded = DEGRADED_MARKERS.get(name)
        return "degraded" if degraded and degraded in text else "own"
    return "other"


#: What may fill the header's and footer's boxes on the shell's error page: their markup, or
#: what the shell puts in place of a header or footer that failed by itself (as on any page).
FRAME_FILLS = frozenset({"own", "degraded", "fallback", "retry", "empty"})


def frame(html: str) -> str:
    """What filled the header's and the footer's boxes, e.g. "own/own"."""
    return "/".join(classify(slot_html(html, name)[0], name) for name in ("header", "footer"))


def is_error_page(status: int | None, html: str) -> bool:
    """The shell's own error page: 503 or 404, whole, still with the shop's header and footer
    boxes (see FRAME_FILLS)."""
    return (
        status in (503, 404)
        and html.rstrip().endswith("</html>")
        and all(part in FRAME_FILLS for part in frame(html).split("/"))
    )


def server_timing(header: str) -> dict[str, tuple[str, str]]:
    """Each fragment's (kind, via) from a page's Server-Timing: `desc="ok hit"` is ("ok",
    "hit"), `desc="ok"` ("ok", ""), `desc="streamed"` ("streamed", "streamed"). (The shell's
    descriptions hold no comma or semicolon.)"""
    found = {}
    for entry in header.split(","):
        name, *params = (part.strip() for part in entry.split(";"))
        for param in params:
            if param.startswith("desc="):
                kind, _, via = param[len("desc=") :].strip('"').partition(" ")
                found[name] = (kind, "streamed" if kind == "streamed" else via)
    return found


@dataclass
class Sample:
    at: float  # seconds since the load started
    phase: str
    status: int | None  # None: no answer (connection error, client timeout)
    ms: float
    fill: str  # what filled the watched slot
    complete: bool  # the whole document arrived
    contained: bool  # the watched slot's box closed where it should
    error_page: bool
    set_cookies: tuple[str, ...] = ()
    error: str = ""
    placeholders: int = 0  # browser-retry placeholders anywhere on the page
    request_id: str = ""
    ttfb_ms: float = 0.0  # until the response's head arrived
    frame: str = ""  # what filled the header's and footer's boxes (see `frame`)
    detail: str = ""  # a failed page's markup, for the samples' log
    #: How the shell had the watched fragment (see FETCHED, CACHED, REFUSED; ABSENT when it
    #: is not on the page; "streamed" until `settle` reads the shell's log).
    via: str = ABSENT
    page: str = ""  # the path asked for

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.complete

    @property
    def label(self) -> str:
        """What filled the slot and how, e.g. "own(stale-if-error)", "retry"."""
        return f"{self.fill}({self.via})" if self.via not in ("", ABSENT) else self.fill


def _sample(
    at: float,
    phase: str,
    response: httpx.Response,
    ms: float,
    ttfb_ms: float,
    slot: str,
    fallback: str,
) -> Sample:
    html = response.text
    inner, end = slot_html(html, slot)
    # The slot's box closed; for a synchronous slot, the rest of the page still follows it
    # (the footer's box), rather than being swallowed by markup the fragment left open.
    contained = end is not None and (
        slot in ASYNC or slot == "footer" or html.find('<div data-fragment="footer">', end) > 0
    )
    error_page = is_error_page(response.status_code, html)
    fill = classify(inner, slot, fallback)
    if error_page and inner is None:
        header_footer = frame(html)
        fill = "error-page" if header_footer == "own/own" else f"error-page({header_footer})"
    timing = server_timing(response.headers.get("server-timing", ""))
    via = timing[slot][1] if slot in timing else ABSENT
    return Sample(
        at,
        phase,
        response.status_code,
        ms,
        fill,
        html.rstrip().endswith("</html>"),
        contained,
        error_page,
        tuple(response.headers.get_list("set-cookie")),
        placeholders=html.count("data-tessera-retry="),
        request_id=response.headers.get("x-request-id", ""),
        ttfb_ms=ttfb_ms,
        frame=frame(html),
        detail="" if response.status_code == 200 or error_page else html[:4000],
        via=via,
        page=response.url.path,
    )


class Load:
    """A steady load of product pages from `CLIENTS` concurrent clients, in a thread of its
    own, recording every answer until stopped (bounded in count and time). With several
    `urls`, client n asks for `urls[n % len(urls)]`."""

    def __init__(
        self,
        urls: Sequence[str],
        slot: str,
        *,
        fallback_html: str = "",
        output: Callable[[], str] | None = None,
        phase: str = "fault",
        max_seconds: float = 60.0,
        max_pages: int = 5000,
    ) -> None:
        assert urls and len(urls) <= CLIENTS, urls
        self.urls, self.slot, self.fallback = tuple(urls), slot, fallback_html
        self.output = output  # the stack's output so far, for `settle`
        self.max_seconds, self.max_pages = max_seconds, max_pages
        self.samples: list[Sample] = []
        self.phase = phase
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="chaos-load")
        self._started = 0.0

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        # Every client is made and connected before the clock starts: making one takes a
        # while (httpx sets up TLS even for http://), during which this loop could not take
        # any answer in, and a first request would pay for the connection.
        limits = httpx.Limits(max_connections=1)
        async with contextlib.AsyncExitStack() as clients:
            made = [
                await clients.enter_async_context(
                    httpx.AsyncClient(timeout=CLIENT_TIMEOUT, limits=limits)
                )
                for _ in range(CLIENTS)
            ]
            health = httpx.URL(self.urls[0]).copy_with(path="/healthz", query=None)
            for client in made:
                with contextlib.suppress(httpx.HTTPError):
                    await client.get(health)
            self._started = time.monotonic()
            await asyncio.gather(*(self._client(client, n) for n, client in enumerate(made)))

    async def _client(self, client: httpx.AsyncClient, n: int) -> None:
        url = self.urls[n % len(self.urls)]
        # Staggered, as clients of a steady load arrive, rather than all in the same instant.
        await asyncio.sleep(n * STAGGER)
        while (
            not self._stop.is_set()
            and len(self.samples) < self.max_pages
            and time.monotonic() - self._started < self.max_seconds
        ):
            phase, began = self.phase, time.monotonic()
            try:
                async with client.stream("GET", url) as response:
                    ttfb = (time.monotonic() - began) * 1000
                    await response.aread()
            except httpx.HTTPError as exc:
                ms = (time.monotonic() - began) * 1000
                self.samples.append(
                    Sample(
                        began - self._started,
                        phase,
                        None,
                        ms,
                        "no-answer",
                        False,
                        False,
                        False,
                        error=type(exc).__name__,
                        page=httpx.URL(url).path,
                    )
                )
                await asyncio.sleep(0.05)  # a refused connection fails at once
                continue
            ms = (time.monotonic() - began) * 1000
            at = began - self._started
            self.samples.append(_sample(at, phase, response, ms, ttfb, self.slot, self.fallback))

    def __enter__(self) -> Load:
        self._thread.start()
        for _ in range(500):  # the clients are under way before the fault comes
            if self._started:
                break
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if self.output is not None:
            self.settle(self.output)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(CLIENT_TIMEOUT + 5)

    def now(self) -> float:
        """Seconds since the load started (the time base of `Sample.at`)."""
        return time.monotonic() - self._started if self._started else 0.0

    def during(self, *phases: str) -> list[Sample]:
        return [s for s in self.samples if not phases or s.phase in phases]

    def settle(self, output: Callable[[], str]) -> None:
        """Tell how the watched fragment was had on the pages where the head went out before
        it was in (`via` "streamed"), from the shell's log (`output()`, the stack's output):
        the via it logged for a failure there, else "fetched". Call it once the load has
        stopped: the log is read a moment later, so that the last pages' lines are in."""
        time.sleep(0.3)
        failures = shell_failures(output(), self.slot)
        for sample in self.samples:
            if sample.via == "streamed":
                entry = failures.get(sample.request_id)
                sample.via = "fetched" if entry is None else str(entry.get("via", ""))


def p99(samples: list[Sample]) -> float:
    """The 99th percentile of the samples' latency (nearest rank), in ms; 0 without any."""
    return percentile([s.ms for s in samples], 0.99)


def shell_failures(output: str, fragment: str) -> dict[str, dict[str, Any]]:
    """Every page where `fragment` did not resolve cleanly, by the page's request id, from
    the shell's log: it logs each such fragment with its outcome, its via and the time it
    took to resolve (fallback included)."""
    found: dict[str, dict[str, Any]] = {}
    for line in output.splitlines():
        name, _, rest = line.partition(" | ")
        if name.strip() != "shell" or not rest.startswith("{"):
            continue
        with contextlib.suppress(ValueError):
            entry = json.loads(rest)
            if entry.get("fragment") == fragment and "page_request_id" in entry:
                found[entry["page_request_id"]] = entry
    return found


def shell_durations(output: str, fragment: str) -> dict[str, float]:
    """How long the shell itself took over `fragment` on each page where it failed, by the
    page's request id (see `shell_failures`)."""
    return {
        request: float(entry["duration_ms"])
        for request, entry in shell_failures(output, fragment).items()
        if "duration_ms" in entry
    }


def percentile(values: list[float], share: float) -> float:
    """The `share` percentile of `values` (nearest rank); 0 without any."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else 0.0


def fills(samples: list[Sample]) -> str:
    """What filled the slot and how, with counts: "own(stale-if-error) x40 retry x2"."""
    counts = Counter(s.label for s in samples)
    return " ".join(f"{kind} x{n}" for kind, n in counts.most_common())


# -- waiting --------------------------------------------------------------------------------


def eventually(condition: Callable[[], Any], timeout: float, what: str, step: float = 0.2) -> float:
    """Poll `condition` until it holds (at most `timeout` s); the seconds it took."""
    started = time.monotonic()
    for _ in range(int(timeout / step) + 1):
        with contextlib.suppress(httpx.HTTPError):
            if condition():
                return time.monotonic() - started
        if time.monotonic() - started > timeout:
            break
        time.sleep(step)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


def healthy(url: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(url + "/healthz", timeout=2).status_code == 200
    return False


#: Vias of a fragment that failed: a copy stood in for it, or it was not asked at all.
FAILURE_VIAS = frozenset({"stale-if-error"}) | REFUSED


def page_whole(stack, path: str = PAGE) -> bool:
    """The page is whole: a 200 with every fragment's own markup, no retry placeholder, and
    no fragment standing in for a failure (a stale-if-error copy, or not asked: its breaker
    open, its bulkhead full), by the page's Server-Timing and, for the fragments it shows as
    streamed, by the shell's log."""
    try:
        response = httpx.get(stack.url("shell") + path, timeout=CLIENT_TIMEOUT)
    except httpx.HTTPError:
        return False
    html = response.text
    if not (
        response.status_code == 200
        and "data-tessera-retry" not in html
        and all(classify(slot_html(html, name)[0], name) == "own" for name in OWN_MARKERS)
    ):
        return False
    timing = server_timing(response.headers.get("server-timing", ""))
    if set(timing) != set(OWN_MARKERS) or any(v in FAILURE_VIAS for _, v in timing.values()):
        return False
    streamed = {name for name, (kind, _) in timing.items() if kind == "streamed"}
    if streamed:
        time.sleep(0.3)  # the shell's log lines of the page are in
        request = response.headers.get("x-request-id", "")
        for line in stack.output.getvalue().splitlines():
            if request and request in line and any(f'"fragment": "{n}"' in line for n in streamed):
                return False
    return True


def refusing_address() -> str:
    """A loopback base URL where nothing listens (a port just free): connections to it are
    refused at once, as to a dead instance's."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def respawned(stack, label: str, old_pid: int, timeout: float) -> float:
    """Seconds until the supervisor runs `label` again under a new pid and it is healthy."""

    def back() -> bool:
        process = stack.supervisor.processes.get(label)
        return (
            process is not None
            and process.proc.pid != old_pid
            and process.proc.returncode is None
            and healthy(process.placed.url)
        )

    return eventually(back, timeout, f"{label} restarted by the supervisor", step=0.1)


def spawned(stack, label: str, old_pid: int, timeout: float) -> float:
    """Seconds until the supervisor has started `label` again (a new pid; it may not listen
    yet)."""

    def new() -> bool:
        process = stack.supervisor.processes.get(label)
        return process is not None and process.proc.pid != old_pid

    return eventually(new, timeout, f"{label} started again by the supervisor", step=0.05)


def kill(stack, label: str) -> int:
    """SIGKILL a service's process group, as a crash would; its pid."""
    process = stack.supervisor.processes[label]
    process.signal(signal.SIGKILL)
    return process.proc.pid


@contextlib.contextmanager
def frozen(stack, label: str) -> Iterator[Callable[[], None]]:
    """SIGSTOP a service for the block, which may thaw it earlier with the function it
    gets; SIGCONT whatever happens."""
    process = stack.supervisor.processes[label]
    process.signal(signal.SIGSTOP)
    try:
        yield lambda: process.signal(signal.SIGCONT)
    finally:
        process.signal(signal.SIGCONT)


# -- registry -------------------------------------------------------------------------------


class Registry:
    """The registry's API as a deploy tool uses it (token from the stack's secrets)."""

    def __init__(self, stack) -> None:
        self.stack = stack
        self.url = stack.url("registry") + "/api/v1"
        self.auth = {"Authorization": f"Bearer {stack.secrets['TESSERA_REGISTRY_TOKEN']}"}

    def snapshot(self) -> dict:
        return httpx.get(self.url + "/snapshot", timeout=10).json()

    def fragment(self, name: str) -> dict:
        return next(f for f in self.snapshot()["fragments"] if f["name"] == name)

    def register(self, fragment: str, base_url: str, version: str) -> int:
        response = httpx.post(
            self.url + "/instances",
            json={"fragment": fragment, "base_url": base_url, "version": version},
            headers=self.auth,
            timeout=10,
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def instance_id(self, fragment: str, base_url: str) -> int:
        """The registry's id of `fragment`'s instance at `base_url` (an instance that
        registers again at the same URL keeps it)."""
        listed = httpx.get(self.url + "/instances", headers=self.auth, timeout=10).json()
        return next(
            i["id"] for i in listed if i["fragment"] == fragment and i["base_url"] == base_url
        )

    def heartbeat(self, instance: int) -> None:
        httpx.post(self.url + f"/instances/{instance}/heartbeat", headers=self.auth, timeout=5)

    def deregister(self, instance: int) -> None:
        response = httpx.delete(self.url + f"/instances/{instance}", headers=self.auth, timeout=10)
        assert response.status_code in (204, 404), response.text

    def traffic(self, fragment: str) -> dict:
        body = httpx.get(self.url + f"/fragments/{fragment}/traffic", timeout=10).json()
        return {k: body[k] for k in ("pinned_version", "canary_version", "canary_percent")}

    def set_traffic(self, fragment: str, setting: dict) -> None:
        response = httpx.put(
            self.url + f"/fragments/{fragment}/traffic", json=setting, headers=self.auth, timeout=10
        )
        assert response.status_code == 200, response.text

    def force_breaker(self, fragment: str, forced: str, timeout: float = 20.0) -> float:
        """Force `fragment`'s circuit breaker ("open", "closed": off, "": automatic) and wait
        until the shell follows; the seconds it took."""
        response = httpx.put(
            self.url + f"/fragments/{fragment}/breaker",
            json={"forced": forced},
            headers=self.auth,
            timeout=10,
        )
        assert response.status_code == 200, response.text
        state = {"open": "forced_open", "closed": "disabled"}.get(forced)
        shell = self.stack.url("shell")

        def followed() -> bool:
            states = httpx.get(shell + "/healthz", timeout=10).json().get("breakers", {})
            now = states.get(fragment)
            return now == state if state else now not in ("forced_open", "disabled")

        return eventually(followed, timeout, f"the shell's {fragment} breaker {forced or 'auto'}")

    def shell_serves(self, fragment: str, base_urls: set[str], timeout: float = 20.0) -> float:
        """Wait until the shell composes pages from a snapshot in which `fragment`'s traffic
        goes to exactly `base_urls`; the seconds it took."""
        shell = self.stack.url("shell")

        def synced() -> bool:
            response = httpx.get(self.url + "/snapshot", timeout=10)
            entry = next(f for f in response.json()["fragments"] if f["name"] == fragment)
            stable = set(entry["routing"]["stable"])
            serving = {i["base_url"] for i in entry["instances"] if i["version"] in stable}
            etag = httpx.get(shell + "/healthz", timeout=10).json().get("snapshot")
            return serving == base_urls and etag == response.headers.get("etag")

        return eventually(synced, timeout, f"the shell serving {fragment} from {base_urls}")


# -- backend faults -------------------------------------------------------------------------


@contextlib.contextmanager
def backend_fault(stack, backend: str, faults: dict) -> Iterator[None]:
    """Put `faults` on a backend stub through `/_faults`; put back what it had, whatever
    happens."""
    url = stack.url(backend) + "/_faults"
    auth = {"Authorization": f"Bearer {stack.secrets['TESSERA_STUB_ADMIN_TOKEN']}"}
    before = httpx.get(url, timeout=10).json()
    response = httpx.put(url, content=json.dumps(faults), headers=auth, timeout=10)
    assert response.status_code == 200, response.text
    try:
        yield
    finally:
        restore = httpx.put(url, content=json.dumps(before), headers=auth, timeout=10)
        assert restore.status_code == 200, restore.text


# -- hostile instances ----------------------------------------------------------------------


_HOSTILE = f'<section class="{HOSTILE_MARK}">'.encode()
UNBALANCED = (
    _HOSTILE + b"<div><p>never closed <b>bold <i>italic</div></section></div></div>"
    b"</body></html><table><tr><td>a cell<div class='x'><ul><li>item"
)
LARGE_BODY = 50 * 1024 * 1024
MODES = (
    "5xx",
    "hang",
    "drip",
    "garbage",
    "bad-utf8",
    "wrong-type",
    "50mb",
    "unbalanced",
    "set-cookie",
)
#: Modes whose answer no shell may use: the slot must be filled otherwise.
FAILING_MODES = frozenset(MODES) - {"unbalanced", "set-cookie"}
HOSTILE_COOKIES = ("chaos_stolen=1; Path=/", "csrftoken=chaos; Path=/", "tessera_visitor=chaos")


def _head(status: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _html_answer(body: bytes, *, status: str = "200 OK", extra=(), kind="text/html; charset=utf-8"):
    return (
        _head(status, [("Content-Type", kind), ("Content-Length", str(len(body))), *extra]) + body
    )


class HostileServer:
    """A fragment instance that misbehaves as told (`mode`), per request, on loopback."""

    def __init__(self) -> None:
        self.mode = "5xx"
        self.requests = 0
        self.url = ""
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def close(self) -> None:
        """Stop listening and drop every connection (a hanging answer's too)."""
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            await self._serve(reader, writer)
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(
            ConnectionError,
            asyncio.IncompleteReadError,
            TimeoutError,
            asyncio.LimitOverrunError,
            ValueError,
        ):
            for _ in range(1000):  # requests on one connection, at most
                await reader.readuntil(b"\r\n\r\n")  # GETs only: no body follows
                self.requests += 1
                if not await self._answer(self.mode, reader, writer):
                    break

    async def _answer(
        self, mode: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Answer one request as `mode` says; whether the connection may carry another."""
        if mode == "5xx":
            writer.write(_html_answer(_HOSTILE + b"oops</section>", status="503 Unavailable"))
        elif mode == "hang":
            # Nothing, until the caller gives up and closes (at most two minutes).
            await asyncio.wait_for(reader.read(), 120)
            return False
        elif mode == "drip":
            writer.write(
                _head(
                    "200 OK",
                    [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "100000")],
                )
                + _HOSTILE
            )
            gone = asyncio.ensure_future(reader.read())
            try:
                for _ in range(1200):  # a few bytes every 50 ms, for a minute at most
                    if gone.done():
                        break
                    writer.write(b"<i>.</i>")
                    await writer.drain()
                    await asyncio.sleep(0.05)
            finally:
                gone.cancel()
            return False
        elif mode == "garbage":
            writer.write(b"\x00\xff\xfeNOT HTTP AT ALL \x1b[31m\r\n" + bytes(range(256)) * 8)
            await writer.drain()
            return False
        elif mode == "bad-utf8":
            writer.write(_html_answer(_HOSTILE + b"caf\xe9 \xff\xfe\xc3\x28 na\xefve</section>"))
        elif mode == "wrong-type":
            body = json.dumps({"html": _HOSTILE.decode() + "json</section>"}).encode()
            writer.write(_html_answer(body, kind="application/json"))
        elif mode == "50mb":
            writer.write(
                _head(
                    "200 OK",
                    [
                        ("Content-Type", "text/html; charset=utf-8"),
                        ("Content-Length", str(LARGE_BODY)),
                    ],
                )
            )
            chunk = (_HOSTILE + b"<p>" + b"x" * 1000 + b"</p></section>") * 64
            sent = 0
            for _ in range(LARGE_BODY // len(chunk) + 1):  # bounded by the body's size
                piece = chunk[: LARGE_BODY - sent]
                if not piece:
                    break
                writer.write(piece)
                await writer.drain()
                sent += len(piece)
            return False
        elif mode == "unbalanced":
            writer.write(_html_answer(UNBALANCED))
        elif mode == "set-cookie":
            cookies = [("Set-Cookie", cookie) for cookie in HOSTILE_COOKIES]
            writer.write(_html_answer(_HOSTILE + b"cookie monster</section>", extra=cookies))
        else:  # pragma: no cover - a typo in a test
            raise ValueError(mode)
        await writer.drain()
        return True


@dataclass
class Background:
    """An event loop in a thread of its own, for hostile servers and their heartbeats."""

    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    thread: threading.Thread | None = None

    def start(self) -> Background:
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="hostile")
        self.thread.start()
        return self

    def run(self, coroutine, timeout: float = 30):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        """Cancel whatever still runs on the loop, then stop and close it."""

        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            self.run(cancel_all(), timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        if self.thread is not None:
            self.thread.join(5)
        if not self.loop.is_running():
            self.loop.close()


class Heartbeats:
    """Keeps an instance alive in the registry (a thread, at once and every second): one
    registered by hand, or a real one whose own heartbeats a fault stops."""

    def __init__(self, registry: Registry, instance: int, every: float = 1.0) -> None:
        self.registry, self.instance, self.every = registry, instance, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="heartbeats")

    def _run(self) -> None:
        for _ in range(3600):  # an hour at most
            with contextlib.suppress(httpx.HTTPError):
                self.registry.heartbeat(self.instance)
            if self._stop.wait(self.every):
                return

    def __enter__(self) -> Heartbeats:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)


# -- the matrix -----------------------------------------------------------------------------


@dataclass
class Row:
    case: str
    slot: str
    pages: int
    failed: int
    error_pages: int
    p50_ms: float
    p99_ms: float
    shell_ms: str  # the shell's own time over the failed fragment, p99 (from its log)
    limit_ms: float | None
    fill: str
    recovered: str
    verdict: str


@dataclass
class Matrix:
    rows: list[Row] = field(default_factory=list)

    def add(self, row: Row) -> None:
        self.rows.append(row)

    def render(self) -> str:
        header = (
            "case",
            "slot",
            "pages",
            "not-200",
            "err-page",
            "p50",
            "p99",
            "shell p99",
            "limit",
            "filled by",
            "back in",
            "verdict",
        )
        table = [header] + [
            (
                r.case,
                r.slot,
                str(r.pages),
                str(r.failed),
                str(r.error_pages),
                f"{r.p50_ms:.0f}",
                f"{r.p99_ms:.0f}",
                r.shell_ms,
                "-" if r.limit_ms is None else f"{r.limit_ms:.0f}",
                r.fill,
                r.recovered,
                r.verdict,
            )
            for r in self.rows
        ]
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        lines = []
        for n, row in enumerate(table):
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
            lines.append(" | ".join(cells[:-1]) + " | " + row[-1])
            if n == 0:
                lines.append("-+-".join("-" * w for w in widths))
        return "\n".join(lines)


#: The module's matrix: every case adds its row (tests/chaos/conftest.py prints it).
MATRIX = Matrix()
