"""Resolving placements against real loopback servers: success, failure, fallbacks, primary."""

import asyncio
import itertools
from collections import defaultdict

import pytest

from conftest import free_port
from shell.engine import balance, ejection
from shell.engine import fetch as fetching
from shell.engine.balance import in_canary
from shell.engine.config import FragmentConfig
from shell.engine.context import request_context
from shell.engine.ejection import ejections
from shell.engine.plan import Placement
from shell.engine.resolve import resolve
from shell.engine.retry_budget import RetryBudget
from tessera.runtime.visitor import visitor_cookie_value
from tests import virtualtime
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
        "/latin1": Reply(body="caf\xe9".encode("latin-1")),
        "/big": Reply(body=b"x" * 5000),
    }
    errors = []
    for path in routes:
        # A timeout no answer on loopback reaches, however loaded the machine: each failure
        # is the one its route scripts (a fragment that does not answer in time: below).
        outcome, _ = resolve_against(
            routes, path, timeout_ms=30_000, max_body_bytes=4096, fallback_html="<p>later</p>"
        )
        assert (outcome.kind, outcome.html) == ("fallback", "<p>later</p>"), path
        errors.append(outcome.error)
    assert errors == [
        "status 500",
        "status 404",
        "status 302",
        "content type 'application/json' is not text/html",
        "body is not valid UTF-8",
        "declared body of 5000 bytes exceeds 4096",
    ]


class Unanswered:
    """A fragment client whose requests get no answer for an hour (of virtual time): what
    ends them is the fetch's deadline, at the moment the virtual clock says."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, float]] = []

    async def get(self, url, headers, max_body_bytes=None, max_in_flight=None):
        self.asked.append((url, asyncio.get_running_loop().time()))
        await asyncio.sleep(3600)
        raise AssertionError(f"{url} was waited for an hour: no deadline ended the fetch")


def test_a_fragment_not_answered_within_its_timeout_falls_back_at_the_timeout(monkeypatch):
    # On a virtual clock (tests/virtualtime.py), with no socket: the deadline's own timer
    # fires at 0.3 s exactly, however loaded the machine (a real server's 1 s delay against
    # a real 300 ms timeout raced before).
    fragment = Unanswered()
    monkeypatch.setattr(fetching, "client", fragment)

    async def scenario():
        config = placement(timeout_ms=300, fallback_html="<p>later</p>", instances=("http://f",))
        outcome = await resolve(config, {"sku": "1"}, HEADERS, CONTEXT)
        return outcome, asyncio.get_running_loop().time()

    outcome, ended_at = virtualtime.run(scenario())
    assert (outcome.kind, outcome.html) == ("fallback", "<p>later</p>")
    assert outcome.error == "no complete response within 300 ms"
    assert fragment.asked == [("http://f/f", 0.0)]
    assert ended_at == pytest.approx(0.3)  # at its timeout: neither before nor after


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


def test_a_page_fragment_refused_by_its_first_instance_comes_from_the_second(monkeypatch):
    # What the mutant `other = None` in fetch's `_retry_instead` breaks. This test sets up
    # everything the retry depends on itself, whatever ran before it in the process: a fresh
    # rotation (the refusing instance is picked first), a fresh retry budget, a port that is
    # surely closed (not a fixed one a service may listen on), and a fragment of its own.
    monkeypatch.setattr(balance, "_counters", defaultdict(itertools.count))
    monkeypatch.setattr(fetching, "retry_budget", RetryBudget())
    refusing = f"http://127.0.0.1:{free_port()}"

    async def scenario():
        async with serve({"/f": Reply(body=b"<p>second</p>")}) as second:
            config = placement(name="retried", instances=(refusing, second.url))
            outcome = await resolve(config, {}, HEADERS, CONTEXT)
            return outcome, [target for _, target, _, _ in second.requests]

    outcome, asked = run(scenario)
    assert (outcome.kind, outcome.html, outcome.error) == ("ok", "<p>second</p>", "")
    assert outcome.via == "retried"
    assert asked == ["/f"]  # the second instance was asked, once
    assert list(ejections.until) == [refusing]


KEY = b"k" * 32


def visiting(visitor: str):
    """The request context of a returning visitor whose signed cookie names `visitor`."""
    cookie = f"tessera_visitor={visitor_cookie_value(visitor, KEY)}".encode()
    return request_context([(b"cookie", cookie)], "/p", visitor_key=KEY)


def test_a_visitor_in_the_canary_share_gets_the_canary_versions_instance():
    # What the mutant `pick_instance(config, None)` in `fetch` breaks: the page's fetch (not
    # from the cache: nothing here may be kept) goes to the visitor's side of the canary.
    candidates = [f"visitor-{n:02d}-of-the-shop" for n in range(40)]
    in_share = [v for v in candidates if in_canary("recs", v, 30)][:3]
    outside = [v for v in candidates if not in_canary("recs", v, 30)][:3]
    assert len(in_share) == len(outside) == 3  # the hash puts some on each side

    async def scenario():
        stable_reply, canary_reply = Reply(body=b"<p>v1</p>"), Reply(body=b"<p>v2</p>")
        async with serve({"/f": stable_reply}) as stable, serve({"/f": canary_reply}) as canary:
            config = placement(
                name="recs",
                instances=(stable.url,),
                canary_instances=(canary.url,),
                canary_percent=30,
                stable_version="v1",
                canary_version="v2",
            )
            seen = {}
            for visitor in in_share + outside:
                outcome = await resolve(config, {}, HEADERS, visiting(visitor))
                seen[visitor] = outcome.html
            return seen, len(stable.requests), len(canary.requests)

    seen, to_stable, to_canary = run(scenario)
    assert [seen[v] for v in in_share] == ["<p>v2</p>"] * 3
    assert [seen[v] for v in outside] == ["<p>v1</p>"] * 3
    assert (to_stable, to_canary) == (3, 3)


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
