"""One request's path across services, rebuilt from the combined log `up` keeps.

Every service writes one access line per request it answered (tessera/runtime/access.py):
that line is the request's span in that service, with its start, its duration and the span
id of the hop that called it. Linking the spans by parent, and hanging each service's other
lines of the request (warnings, errors) on the span that logged them, gives the request's
whole path as a tree: what `manage.py trace` prints, a centralised log view done locally.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tessera.ops.combinedlog import ACCESS_LOGGER

#: What a trace id looks like (W3C trace context): an argument of that shape that is no
#: request's id selects the trace, e.g. a page's and its gateway calls' requests together.
TRACE_ID = re.compile(r"[0-9a-f]{32}")

#: How the shell had a fragment without calling its service for this page (the last word of
#: its Server-Timing `desc`, see shell/engine/outcome.py): why no fragment span is under it.
HAD_WITHOUT_A_CALL = {
    "hit": "shell cache",
    "stale": "shell cache",
    "stale-if-error": "shell cache",
    "coalesced": "another request's fetch",
}

_TIMING_ENTRY = re.compile(r'([^\s,;]+)((?:\s*;\s*[^\s,;=]+\s*=\s*(?:"[^"]*"|[^\s,;]*))*)')
_TIMING_PARAM = re.compile(r'([^\s,;=]+)\s*=\s*(?:"([^"]*)"|([^\s,;]*))')


@dataclass
class Span:
    """One service's part of the request, from its access line, with what happened under it
    (`children`: the spans it called and the lines it logged, in time order)."""

    service: str
    span_id: str
    parent_span_id: str  # "" when it began the trace
    start: float  # seconds since the epoch
    duration_ms: float
    method: str
    path: str
    status: int
    route: str
    detail: str  # a page's Server-Timing, on the shell's page spans only
    children: list[Node] = field(default_factory=list)


@dataclass(frozen=True)
class Line:
    """A line a service logged while serving the request, other than its access line."""

    service: str
    at: float | None  # seconds since the epoch, from its "ts"; None when it has none
    level: str
    msg: str


@dataclass(frozen=True)
class PageFragment:
    """A fragment of a page with no span of its own under the page: had from the shell's
    cache or another request's fetch, or not had at all (from the page's Server-Timing)."""

    name: str
    outcome: str  # Server-Timing `desc`, e.g. "ok hit"
    duration_ms: float | None  # when it resolved, after the page began; None while streamed


Node = Span | Line | PageFragment


def read(paths: Iterable[Path], wanted: str) -> list[dict[str, Any]]:
    """The lines of request `wanted` in the log files `paths`, in order (a missing file is
    skipped); see `select`."""
    return select(_lines_of(paths), wanted)


def _lines_of(paths: Iterable[Path]) -> Iterator[str]:
    for path in paths:
        with (
            contextlib.suppress(FileNotFoundError),
            path.open(encoding="utf-8", errors="replace") as lines,
        ):
            yield from lines


def select(lines: Iterable[str], wanted: str) -> list[dict[str, Any]]:
    """The JSON lines whose request id is `wanted`; when there are none and `wanted` is a
    trace id, those of that trace. Lines that are not JSON objects are skipped."""
    by_request: list[dict[str, Any]] = []
    by_trace: list[dict[str, Any]] = []
    maybe_trace = TRACE_ID.fullmatch(wanted) is not None
    for line in lines:
        if wanted not in line:  # most lines are other requests': no need to parse them
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict):
            continue
        if entry.get("request_id") == wanted:
            by_request.append(entry)
        elif maybe_trace and entry.get("trace_id") == wanted:
            by_trace.append(entry)
    return by_request or by_trace


def build(entries: Iterable[dict[str, Any]]) -> list[Node]:
    """The request's tree, from its lines: each span under the span that called it, with
    its spans and lines in time order; a span whose caller is not among them, and a line
    whose span is not, at the top. A page's fragments the shell had without calling their
    service are leaves under the page, after its spans."""
    spans: dict[str, Span] = {}
    lines: list[tuple[Any, Line]] = []
    for entry in entries:
        span = _span(entry) if entry.get("logger") == ACCESS_LOGGER else None
        if span is not None:
            spans.setdefault(span.span_id, span)
        else:
            lines.append((entry.get("span_id"), _line(entry)))
    top: list[Node] = []
    for span in spans.values():
        parent = spans.get(span.parent_span_id)
        (parent.children if parent is not None and parent is not span else top).append(span)
    for span_id, line in lines:
        owner = spans.get(span_id) if isinstance(span_id, str) else None
        (owner.children if owner is not None else top).append(line)
    for span in spans.values():
        span.children.sort(key=_when)
        span.children.extend(_page_fragments(span))
    top.sort(key=_when)
    return top


def _span(entry: dict[str, Any]) -> Span | None:
    """The span of an access line; None when it lacks what a span needs."""
    try:
        return Span(
            service=str(entry.get("service", "?")),
            span_id=str(entry["span_id"]),
            parent_span_id=str(entry.get("parent_span_id") or ""),
            start=float(entry["start"]),
            duration_ms=float(entry["duration_ms"]),
            method=str(entry.get("method", "")),
            path=str(entry.get("path", "")),
            status=int(entry.get("status", 0)),
            route=str(entry.get("route", "")),
            detail=str(entry.get("detail", "")),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _line(entry: dict[str, Any]) -> Line:
    msg = str(entry.get("msg", "")).split("\n", 1)[0]
    if exc := str(entry.get("exc", "")).strip():
        msg = f"{msg} ({exc.splitlines()[-1]})"
    return Line(
        service=str(entry.get("service", "?")),
        at=_epoch(entry.get("ts")),
        level=str(entry.get("level", "info")),
        msg=msg,
    )


def _epoch(ts: Any) -> float | None:
    """Seconds since the epoch of a line's "ts" (`2026-11-30T17:50:01.123Z`)."""
    if not isinstance(ts, str):
        return None
    try:
        return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


def _when(node: Node) -> float:
    if isinstance(node, Span):
        return node.start
    if isinstance(node, Line) and node.at is not None:
        return node.at
    return math.inf


def _page_fragments(page: Span) -> list[PageFragment]:
    """The fragments in a page's Server-Timing that have no span under it."""
    called = {child.service for child in page.children if isinstance(child, Span)}
    found = []
    for entry in _TIMING_ENTRY.finditer(page.detail):
        name = entry.group(1)
        # A fragment service's log lines name it so (fragments/kit/settings.py).
        if f"{name}-fragment" in called:
            continue
        params = {m.group(1): m.group(2) or m.group(3) for m in _TIMING_PARAM.finditer(entry[2])}
        try:
            duration: float | None = float(params["dur"])
        except (KeyError, ValueError):
            duration = None
        found.append(PageFragment(name, params.get("desc", ""), duration))
    return found


def render(top: Sequence[Node]) -> list[str]:
    """The tree as lines of text: for each span its service, request, status and route, its
    duration, and when it began after the first span (`+3.2 ms`); lines and fragments had
    without a call under the span they belong to."""
    starts = [node.start for node in _walk_spans(top)]
    origin = min(starts) if starts else 0.0
    rows: list[tuple[str, str, str, str]] = []  # tree drawing, name, what, timing

    def walk(nodes: Sequence[Node], lead: str, at_top: bool) -> None:
        for i, node in enumerate(nodes):
            last = i == len(nodes) - 1
            head = "" if at_top else lead + ("└─ " if last else "├─ ")
            rows.append((head, *_describe(node, origin, at_top)))
            if isinstance(node, Span):
                walk(node.children, "" if at_top else lead + ("   " if last else "│  "), False)

    walk(top, "", True)
    name_width = max((len(head + name) for head, name, _, _ in rows if name), default=0)
    cells = [
        (head + name).ljust(name_width) + "  " + what if name else head + what
        for head, name, what, _ in rows
    ]
    width = max(map(len, cells), default=0)
    return [
        f"{cell.ljust(width)}  {timing}".rstrip()
        for cell, (_, _, _, timing) in zip(cells, rows, strict=True)
    ]


def _walk_spans(nodes: Iterable[Node]) -> Iterator[Span]:
    for node in nodes:
        if isinstance(node, Span):
            yield node
            yield from _walk_spans(node.children)


#: What a terminal would act on rather than show, in text from the log (a request's path or
#: message is the client's): control characters and bidirectional overrides, shown escaped.
_UNSHOWN = {
    code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    for code in [*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
}


def _describe(node: Node, origin: float, at_top: bool) -> tuple[str, str, str]:
    """A node's name (its service; none for a line under its span), what it is, its timing,
    each safe to print."""
    name, what, timing = _described(node, origin, at_top)
    return name.translate(_UNSHOWN), what.translate(_UNSHOWN), timing


def _described(node: Node, origin: float, at_top: bool) -> tuple[str, str, str]:
    if isinstance(node, Span):
        what = f"{node.method} {node.path} → {node.status}  {node.route}"
        if node.parent_span_id and at_top:
            what += "  (its caller is not in the log)"
        return node.service, what, _timing(node.duration_ms, node.start - origin)
    if isinstance(node, Line):
        offset = node.at - origin if node.at is not None else None
        return node.service if at_top else "", f"{node.level}: {node.msg}", _timing(None, offset)
    how = HAD_WITHOUT_A_CALL.get(node.outcome.rsplit(" ", 1)[-1])
    what = f"{node.outcome} ({how})" if how else node.outcome
    return node.name, what, _timing(node.duration_ms, None)


def _timing(duration_ms: float | None, offset: float | None) -> str:
    """A duration column and an offset column (seconds after the first span, shown in ms)."""
    took = f"{duration_ms:9.1f} ms" if duration_ms is not None else " " * 12
    return took + (f"  {offset * 1000:+.1f} ms" if offset is not None else "")
