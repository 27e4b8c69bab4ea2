"""Resolving placements against real loopback servers: success, failure, fallbacks, primary."""

import itertools
from collections import defaultdict

from shell.engine import balance, ejection
from shell.engine.config import FragmentConfig
from shell.engine.context import request_context
from shell.engine.ejection import ejections
from shell.engine.plan import Placement
from shell.engine.resolve import resolve
from tests.httpserver import Reply, serve
from tests.shell.running import run

HEADERS = b"x-request-id: r1\r\n"
CONTEXT = request_context([], "/p", visitor_key=b"k" * 32)
HTML = {"Content-Type": "text/html; charset=utf-8"}


def placement(path="/f", **config) -> Placement:
    config.setdefault("name", "f")
    return Placement(config["name"], FragmentConfig(**config), path, 0)


def resolve_against(routes, path="/f", **config):
    async def scenario():
        async with serve(routes) as server:
            config.setdefault("instances", (server.url,))
            config["instances"] = tuple(
                i.replace("SERVER", server.url) for i in config["instances"]
            )
            if "fallback_url" in config:
                config["fallback_url"] = config["fallback_url"].replace("SERVER", server.url)
            outcome = await resolve(placement(path, **config), {"sku": "1"}, HEADERS, CONTEXT)
            return outcome, server.requests

    return run(scenario)


def test_a_good_fragment_is_ok_with_its_assets():
    link = "</_assets/f/a.css>; rel=stylesheet, </_assets/f/m.js?v=2>; rel=script"
    reply = Reply(body=b"<p>ok</p>", headers={**HTML, "Link": link})
    outcome, requests = resolve_against({"/f": reply})
    assert (outcome.kind, outcome.html) == ("ok", "<p>ok</p>")
    assert [a.url for a in outcome.assets] == ["/_assets/f/a.css", "/_assets/f/m.js?v=2"]
    assert requests[0][2]["x-request-id"] == "r1"


def test_a_fragment_may_only_link_its_own_assets():
    foreign = [
        "https://evil.example/x.js",
        "//evil.example/x.js",
        "javascript:alert(1)",
        "/_assets/other/x.js",  # another fragment's
        "/_assets/f/../other/x.js",
        "/_assets/f/..%2fother/x.js",
        "/bff/f/x.js",
        "/_assets/f//evil.example/x.js",
    ]
    link = ", ".join(f"<{url}>; rel=script" for url in [*foreign, "/_assets/f/own.js"])
    reply = Reply(body=b"<p>ok</p>", headers={**HTML, "Link": link})
    outcome, _ = resolve_against({"/f": reply})
    assert [a.url for a in outcome.assets] == ["/_assets/f/own.js"]


def test_failures_of_every_kind_fall_back_to_the_fallback_html():
    routes = {
        "/500": Reply(500, b"boom"),
        "/404": Reply(404, b"nope"),
        "/302": Reply(302, b"", headers={"Location": "/x"}),
        "/json": Reply(body=b"{}", headers={"Content-Type": "application/json"}),
        "/slow": Reply(body=b"late", delay=1.0),
        "/latin1": Reply(body="caf\xe9".encode("latin-1")),
        "/big": Reply(body=b"x" * 5000),
    }
    errors = []
    for path in routes:
        outcome, _ = resolve_against(
            routes, path, timeout_ms=300, max_body_bytes=4096, fallback_html="<p>later</p>"
        )
        assert (outcome.kind, outcome.html) == ("fallback", "<p>later</p>"), path
        errors.append(outcome.error)
    assert errors == [
        "status 500",
        "status 404",
        "status 302",
        "content type 'application/json' is not text/html",
        "no complete response within 300 ms",
        "body is not valid UTF-8",
        "declared body of 5000 bytes exceeds 4096",
    ]


def test_the_fallback_url_comes_before_the_fallback_html():
    routes = {"/f": Reply(503, b""), "/fallback": Reply(body=b"<p>from fallback url</p>")}
    outcome, _ = resolve_against(
        routes, fallback_url="SERVER/fallback", fallback_html="<p>stored</p>"
    )
    assert (outcome.kind, outcome.html) == ("fallback", "<p>from fallback url</p>")


def test_without_fallbacks_a_failed_fragment_becomes_a_browser_retry_placeholder():
    outcome, _ = resolve_against({"/f": Reply(500, b"")}, name="recs")
    assert outcome.kind == "placeholder"
    assert (
        outcome.html
        == '<div class="tessera-retry" data-tessera-retry="/_fragment/recs?sku=1"></div>'
    )


def test_a_failed_primary_without_fallbacks_is_empty_not_a_placeholder():
    outcome, _ = resolve_against({"/f": Reply(500, b"")}, primary=True)
    assert (outcome.kind, outcome.html) == ("empty", "")


def test_the_primary_decides_redirects_and_not_found_and_sets_the_title():
    routes = {
        "/moved": Reply(301, b"", headers={"Location": "/product/2"}),
        "/gone": Reply(404, b"no such product"),
        "/p": Reply(
            body=b"<h1>Kettle</h1>",
            headers={
                **HTML,
                "X-Page-Title": "Kettle %E2%80%94 50%25 off",
                "X-Page-Description": "A kettle",
                "Set-Cookie": "seen=1",
            },
        ),
    }
    moved, _ = resolve_against(routes, "/moved", primary=True)
    gone, _ = resolve_against(routes, "/gone", primary=True)
    page, _ = resolve_against(routes, "/p", primary=True)
    other, _ = resolve_against(routes, "/p")
    assert (moved.kind, moved.status, moved.location) == ("redirect", 301, "/product/2")
    assert gone.kind == "not-found"
    assert page.title == "Kettle \u2014 50% off"  # UTF-8, percent-encoded on the wire
    assert (page.description, page.set_cookies) == ("A kettle", ("seen=1",))
    assert (other.title, other.set_cookies) == ("", ())  # only the primary may do that


def test_a_connection_error_is_retried_once_on_another_instance_and_the_refuser_is_ejected(
    monkeypatch,
):
    # A fresh rotation: the first pick is the first instance, the one that refuses.
    monkeypatch.setattr(balance, "_counters", defaultdict(itertools.count))
    outcome, requests = resolve_against(
        {"/f": Reply(body=b"<p>second</p>")}, instances=("http://127.0.0.1:9", "SERVER")
    )
    assert (outcome.kind, outcome.html) == ("ok", "<p>second</p>")
    assert outcome.via == "retried"  # what Server-Timing shows: "ok retried"
    assert len(requests) == 1
    # The next pages are not sent to the instance that refused: passive health.
    assert list(ejections.until) == ["http://127.0.0.1:9"]


def test_a_fragment_answered_at_once_is_not_marked_retried():
    outcome, _ = resolve_against({"/f": Reply(body=b"<p>ok</p>")})
    assert (outcome.kind, outcome.via) == ("ok", "")


def test_only_the_failure_that_ejects_its_instance_says_so(monkeypatch):
    monkeypatch.setattr(balance, "_counters", defaultdict(itertools.count))
    broken = {"/f": Reply(status=500)}

    async def scenario():
        async with serve(broken) as first, serve(broken) as second:
            config = placement(instances=(first.url, second.url), fallback_html="<p>later</p>")
            return [
                await resolve(config, {}, HEADERS, CONTEXT)
                for _ in range(ejection.CONSECUTIVE_FAILURES * 2)
            ]

    outcomes = run(scenario)
    assert {o.kind for o in outcomes} == {"fallback"}
    # The rotation alternates: the first instance's fifth failure in a row ejects it (the
    # ninth page); the second's would too, but never more than half are out at once.
    expected = [""] * len(outcomes)
    expected[2 * ejection.CONSECUTIVE_FAILURES - 2] = "ejected"
    assert [o.via for o in outcomes] == expected


def test_unregistered_or_instanceless_fragments():
    missing = run(lambda: resolve(Placement("nope", None, "", 0), {}, HEADERS, CONTEXT))
    assert (missing.kind, missing.error) == ("empty", "not registered or disabled")
    idle = run(lambda: resolve(placement(fallback_html="x"), {}, HEADERS, CONTEXT))
    assert (idle.kind, idle.html, idle.error) == ("fallback", "x", "no live instance")
