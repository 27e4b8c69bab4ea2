"""`manage.py trace`: one request's path across services, rebuilt from synthetic log lines in
the format every service writes (tessera/runtime/jsonlog.py, access.py)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from tessera.ops.combinedlog import log_files
from tessera.ops.tracelog import Line, PageFragment, Span, build, read, render, select

REQUEST = "4f" * 16
TRACE = "7a" * 16
T0 = 1764525001.0  # 2025-11-30T17:50:01Z


def access(service, span, parent, start_ms, duration_ms, path, route, **extra):
    """An access line (a span) of REQUEST, `start_ms` after T0."""
    return {
        "ts": _ts(start_ms + duration_ms),
        "level": "info",
        "logger": "tessera.access",
        "msg": f"GET {route} 200",
        "service": service,
        "request_id": REQUEST,
        "trace_id": TRACE,
        "span_id": span,
        "parent_span_id": parent,
        "start": T0 + start_ms / 1000,
        "duration_ms": duration_ms,
        "status": 200,
        "method": "GET",
        "path": path,
        "route": route,
        **extra,
    }


def logged(service, span, at_ms, msg, level="warning", **extra):
    """Another line of REQUEST, logged within `span` `at_ms` after T0."""
    return {
        "ts": _ts(at_ms),
        "level": level,
        "logger": "app",
        "msg": msg,
        "service": service,
        "request_id": REQUEST,
        "trace_id": TRACE,
        "span_id": span,
        **extra,
    }


def _ts(ms: float) -> str:
    whole, frac = divmod(round(ms), 1000)
    return f"2025-11-30T17:50:{1 + whole:02d}.{frac:03d}Z"


PAGE = access(
    "shell", "a" * 16, "", 0, 12.3, "/product/SKU-1", "product",
    detail='header;dur=1.2;desc="ok hit", product;dur=9.0;desc="ok miss", '
    'reviews;desc="streamed"',
)  # fmt: skip
PRODUCT = access("product-fragment", "b" * 16, "a" * 16, 1.0, 8.1, "/fragment/SKU-1", "fragment")
CATALOG = access("catalog", "c" * 16, "b" * 16, 2.0, 1.2, "/products/SKU-1", "product")
PRICING = access("pricing", "d" * 16, "b" * 16, 4.0, 1.0, "/prices/SKU-1", "prices")
REVIEWS = access("reviews-fragment", "e" * 16, "a" * 16, 1.5, 30.0, "/fragment", "fragment")


def spans(nodes):
    return [node for node in nodes if isinstance(node, Span)]


def test_spans_hang_under_their_caller_in_start_order_whatever_order_lines_came_in():
    top = build([PRICING, CATALOG, REVIEWS, PRODUCT, PAGE])
    (page,) = top
    assert page.service == "shell"
    assert [s.service for s in spans(page.children)] == ["product-fragment", "reviews-fragment"]
    product = spans(page.children)[0]
    assert [s.service for s in spans(product.children)] == ["catalog", "pricing"]


def test_a_span_whose_caller_is_not_in_the_log_is_shown_at_the_top():
    top = build([CATALOG, PAGE])  # the product fragment's access line is missing
    assert [s.service for s in spans(top)] == ["shell", "catalog"]
    assert "(its caller is not in the log)" in render(top)[-1]
    assert "caller" not in render(top)[0]


def test_other_lines_of_the_request_hang_under_the_span_that_logged_them_in_time_order():
    late = logged("product-fragment", "b" * 16, 5.0, "pricing was slow")
    early = logged("product-fragment", "b" * 16, 1.0, "cache cold", level="info")
    elsewhere = logged("header-fragment", "f" * 16, 3.0, "no span of mine in the log")
    top = build([late, PRODUCT, CATALOG, early, PRICING, elsewhere])
    product = top[0]
    assert [type(n).__name__ for n in product.children] == ["Line", "Span", "Span", "Line"]
    assert [n.msg for n in product.children if isinstance(n, Line)] == [
        "cache cold",
        "pricing was slow",
    ]
    assert top[1] == Line("header-fragment", T0 + 0.003, "warning", "no span of mine in the log")


def test_a_logged_error_shows_its_message_and_its_exception():
    error = logged(
        "catalog", "c" * 16, 3.0, "query failed\nmore", "error", exc="Traceback...\nKeyError: 'x'"
    )
    (catalog,) = build([CATALOG, error])
    assert catalog.children == [
        Line("catalog", T0 + 0.003, "error", "query failed (KeyError: 'x')")
    ]


def test_a_page_shows_the_fragments_it_had_without_calling_their_service():
    (page,) = build([PAGE, PRODUCT])
    assert [n for n in page.children if isinstance(n, PageFragment)] == [
        PageFragment("header", "ok hit", 1.2),
        PageFragment("reviews", "streamed", None),
    ]
    (page,) = build([PAGE, PRODUCT, REVIEWS])  # streamed, but its call is in the log
    assert [n.name for n in page.children if isinstance(n, PageFragment)] == ["header"]


def test_the_tree_is_drawn_with_durations_and_offsets_from_the_first_span():
    warning = logged("catalog", "c" * 16, 3.0, "slow query")
    assert render(build([PAGE, PRODUCT, CATALOG, PRICING, warning])) == [
        "shell                GET /product/SKU-1 → 200  product         12.3 ms  +0.0 ms",
        "├─ product-fragment  GET /fragment/SKU-1 → 200  fragment        8.1 ms  +1.0 ms",
        "│  ├─ catalog        GET /products/SKU-1 → 200  product         1.2 ms  +2.0 ms",
        "│  │  └─ warning: slow query                                            +3.0 ms",
        "│  └─ pricing        GET /prices/SKU-1 → 200  prices            1.0 ms  +4.0 ms",
        "├─ header            ok hit (shell cache)                       1.2 ms",
        "└─ reviews           streamed",
    ]


def test_lines_are_selected_by_request_id_and_what_is_not_a_json_object_is_skipped():
    other = {**CATALOG, "request_id": "9" * 32}
    lines = [
        "INFO:     Started server process [42]",
        json.dumps(PAGE),
        f"{json.dumps(PRODUCT)[:40]}",  # cut short: a crash mid-write
        f'["{REQUEST}"]',
        json.dumps(other),
        json.dumps(CATALOG),
    ]
    assert select(lines, REQUEST) == [PAGE, CATALOG]
    assert select(lines, "nobody-of-that-id") == []


def test_a_trace_id_selects_the_trace_when_no_request_has_that_id():
    page = {**PAGE, "request_id": "1" * 32}
    gateway = {**PRODUCT, "request_id": "2" * 32, "parent_span_id": ""}
    lines = [json.dumps(page), json.dumps(gateway)]
    assert select(lines, TRACE) == [page, gateway]
    # A request id wins over a trace id of the same shape.
    named = {**CATALOG, "request_id": TRACE, "trace_id": "3" * 32}
    assert select([*lines, json.dumps(named)], TRACE) == [named]
    # Only an argument shaped as a trace id is looked up as one.
    assert select([json.dumps({**PAGE, "trace_id": "not-hex-trace"})], "not-hex-trace") == []


def test_the_rotated_log_is_read_before_the_current_one(tmp_path):
    path = tmp_path / "tessera.log"
    old, current = log_files(path)
    old.write_text(json.dumps(PAGE) + "\n")
    current.write_text(json.dumps(PRODUCT) + "\n")
    assert read(log_files(path), REQUEST) == [PAGE, PRODUCT]
    old.unlink()
    assert read(log_files(path), REQUEST) == [PRODUCT]


def test_the_command_prints_the_tree(tmp_path):
    log = tmp_path / "tessera.log"
    log.write_text("".join(json.dumps(entry) + "\n" for entry in (PRODUCT, PAGE)))
    out = io.StringIO()
    call_command("trace", REQUEST, "--log", str(log), stdout=out)
    assert out.getvalue().splitlines()[:2] == render(build([PAGE, PRODUCT]))[:2]


def test_the_command_says_where_it_looked_when_there_is_no_log(tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_DATA_DIR", str(tmp_path))
    with pytest.raises(CommandError) as error:
        call_command("trace", REQUEST)
    message = str(error.value)
    assert f"{tmp_path}/log/tessera.log" in message and "manage.py up" in message


def test_the_command_says_so_when_no_line_has_the_id(tmp_path):
    log = tmp_path / "tessera.log"
    log.write_text(json.dumps(PAGE) + "\n")
    with pytest.raises(CommandError, match=f"no line in {log} has request id or trace id 'abc'"):
        call_command("trace", "abc", "--log", str(log))


def test_what_a_client_put_in_a_path_or_message_cannot_drive_the_terminal():
    hostile = access("shell", "a" * 16, "", 0, 1.0, "/\x1b]0;owned\x07\u202e", "(unmatched)")
    warning = logged("shell", "a" * 16, 0.5, "bad \x9b31m input")
    lines = [json.dumps(hostile), json.dumps(warning)]
    printed = "\n".join(render(build(select(lines, REQUEST))))
    assert "\x1b" not in printed and "\x07" not in printed and "\u202e" not in printed
    assert "\x9b" not in printed
    assert "/\\x1b]0;owned\\x07\\u202e" in printed and "bad \\x9b31m input" in printed
