"""Composing a page from fragments served over real loopback HTTP."""

import asyncio

from shell.engine import fetch
from shell.engine.assemble import assemble, resolve
from shell.engine.config import FragmentConfig
from shell.engine.layout import load_layout
from tests.httpserver import Reply, serve

HEADERS = b"x-request-id: r1\r\n"


def run(coroutine):
    """Run one scenario in its own event loop; pooled connections die with it."""

    async def scenario():
        try:
            return await coroutine
        finally:
            await fetch.close()

    return asyncio.run(scenario())


def test_fragments_are_fetched_in_parallel_and_joined_into_the_layout():
    async def scenario():
        routes = {
            "/header": Reply(body=b"<p>head</p>", delay=0.2),
            "/hero/SKU-1": Reply(
                body="<p>héro</p>".encode(),
                headers={
                    "Content-Type": "text/html; charset=utf-8",
                    "Link": "</h.css>; rel=stylesheet",
                },
                delay=0.2,
            ),
        }
        async with serve(routes) as server:
            fragments = {
                "header": FragmentConfig("header", "/header", instances=(server.url,)),
                "hero": FragmentConfig("hero", "/hero/{sku}", instances=(server.url,)),
            }
            html, outcomes = await assemble(
                load_layout("home.html"),
                {"header": ("header",), "hero": ("hero",)},
                fragments,
                {"sku": "SKU-1"},
                HEADERS,
                "A <title>",
            )
            return html, outcomes, server

    html, outcomes, server = run(scenario())
    assert server.max_in_flight == 2  # both fragments were requested before either answered
    assert '<div data-fragment="header"><p>head</p></div>' in html
    assert '<div data-fragment="hero"><p>héro</p></div>' in html
    assert "<title>A &lt;title&gt;</title>" in html
    assert '<link rel="stylesheet" href="/h.css">' in html
    assert [o.ok for o in outcomes] == [True, True]
    assert all(r[2]["x-request-id"] == "r1" for r in server.requests)


def test_a_failing_fragment_gets_its_fallback_and_the_page_survives():
    async def scenario():
        routes = {
            "/500": Reply(500, b"boom"),
            "/json": Reply(body=b"{}", headers={"Content-Type": "application/json"}),
            "/slow": Reply(body=b"late", delay=1.0),
            "/latin1": Reply(body="caf\xe9".encode("latin-1")),
        }
        async with serve(routes) as server:
            results = []
            for path, timeout in [("/500", 500), ("/json", 500), ("/slow", 100), ("/latin1", 500)]:
                config = FragmentConfig(
                    "f",
                    path,
                    timeout_ms=timeout,
                    fallback_html="<p>fallback</p>",
                    instances=(server.url,),
                )
                results.append(await resolve("f", config, {}, HEADERS))
            return results

    outcomes = run(scenario())
    assert [o.ok for o in outcomes] == [False] * 4
    assert all(o.html == "<p>fallback</p>" for o in outcomes)
    assert [o.error for o in outcomes] == [
        "status 500",
        "content type 'application/json' is not text/html",
        "no complete response within 100 ms",
        "body is not valid UTF-8",
    ]


def test_unregistered_or_instanceless_fragments_resolve_empty():
    missing = run(resolve("nope", None, {}, HEADERS))
    assert (missing.ok, missing.html, missing.error) == (False, "", "not registered or disabled")
    idle = run(resolve("idle", FragmentConfig("idle", fallback_html="x"), {}, HEADERS))
    assert (idle.ok, idle.html, idle.error) == (False, "x", "no live instance")


def test_connection_refused_is_a_fragment_failure():
    outcome = run(resolve("f", FragmentConfig("f", instances=("http://127.0.0.1:9",)), {}, HEADERS))
    assert not outcome.ok and "Connect" in outcome.error
