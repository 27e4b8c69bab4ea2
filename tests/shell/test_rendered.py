"""Pages of fresh copies, rendered once and sent again with each response's own nonce:
the same page as the copies make, never an older one, never another visitor's, and kept
within their bytes."""

import asyncio
import re

import pytest

from shell.engine import close_connections, rendered
from tessera.runtime.visitor import visitor_cookie_value
from tests.httpserver import Reply, serve
from tests.shell.test_page import HTML, VISITOR_KEY, Recorder, app_for, never_disconnect, request

KEPT = "public, max-age=60"
ROUTES = {
    "/header": Reply(body=b"<header>head</header>", headers={**HTML, "Cache-Control": KEPT}),
    "/product/SKU-1": Reply(
        body=b"<h1>Kettle</h1>",
        headers={
            **HTML,
            "Cache-Control": KEPT,
            "X-Page-Title": "Kettle",
            "Link": "</_assets/product/p.js>; rel=script",
        },
    ),
    "/product/SKU-2": Reply(
        body=b"<h1>Teapot</h1>", headers={**HTML, "Cache-Control": KEPT, "X-Page-Title": "Teapot"}
    ),
    "/buybox/SKU-1": Reply(body=b"<p>buy</p>", headers={**HTML, "Cache-Control": KEPT}),
    "/buybox/SKU-2": Reply(body=b"<p>buy 2</p>", headers={**HTML, "Cache-Control": KEPT}),
    "/recs/SKU-1": Reply(body=b"<p>recs</p>", headers={**HTML, "Cache-Control": KEPT}),
    "/recs/SKU-2": Reply(body=b"<p>recs 2</p>", headers={**HTML, "Cache-Control": KEPT}),
}


@pytest.fixture
def renders(monkeypatch):
    """The pages rendered for the kept ones, by their SKU's title."""
    made = []
    render = rendered._render

    async def counted(plan, outcomes, title, *args):
        made.append(title)
        return await render(plan, outcomes, title, *args)

    monkeypatch.setattr(rendered, "_render", counted)
    return made


def nonce_of(recorder: Recorder) -> str:
    return re.search(r"'nonce-([^']+)'", recorder.headers["content-security-policy"]).group(1)


def pages(paths, routes=ROUTES, between=None, cookies=(), methods=()):
    """Ask for each of `paths` in turn (with the matching cookie of `cookies` and method of
    `methods`, if any), calling `between(server, index)` before each; the recorders, the
    app and the fragment server."""

    async def scenario():
        async with serve(dict(routes)) as server:
            app = app_for(server.url, [])
            recorders = []
            for index, path in enumerate(paths):
                if between:
                    between(server, index)
                headers = [(b"cookie", cookies[index])] if cookies else []
                recorder = Recorder(server)
                method = methods[index] if methods else "GET"
                await app(request(path, method, headers), never_disconnect, recorder)
                recorders.append(recorder)
            await close_connections()
            return recorders, app, server

    return asyncio.run(scenario())


def test_a_page_of_fresh_copies_is_rendered_once_and_sent_with_each_responses_nonce(clock, renders):
    (fetched, first, second), app, server = pages(["/product/SKU-1"] * 3)
    assert len(server.requests) == 4  # every fragment once: the next pages are fresh copies
    assert renders == ["Kettle"] and len(app.rendered) == 1
    for recorder in (first, second):
        assert recorder.start["status"] == 200
        assert recorder.headers["server-timing"].count('desc="ok hit"') == 4
    nonces = [nonce_of(r) for r in (first, second)]
    assert nonces[0] != nonces[1]
    bodies = [r.body for r in (first, second)]
    for body, nonce in zip(bodies, nonces, strict=True):
        # The fragment's module script and the script moving the async fragment in.
        assert body.count(f'nonce="{nonce}"') == 2
        assert set(re.findall(r'nonce="([^"]+)"', body)) == {nonce}
    assert bodies[0].replace(nonces[0], "N") == bodies[1].replace(nonces[1], "N")
    for html in ("<title>Kettle</title>", "<header>head", "<h1>Kettle", "<p>buy", "<p>recs"):
        assert html in bodies[0]
    # The page first composed as its fragments came is the same page.
    assert '<div data-fragment="product"><h1>Kettle</h1></div>' in fetched.body


def test_a_refreshed_copy_is_what_the_next_page_shows(clock, renders):
    def between(server, index):
        if index == 2:  # after two pages: the product's copy expired and it changed
            clock.now += 61
            server.routes["/product/SKU-1"] = Reply(
                body=b"<h1>Kettle, new</h1>", headers={**HTML, "Cache-Control": KEPT}
            )

    (_, old, refetched, new), _, _ = pages(["/product/SKU-1"] * 4, between=between)
    assert "<h1>Kettle</h1>" in old.body
    for recorder in (refetched, new):
        assert "<h1>Kettle, new</h1>" in recorder.body and "<h1>Kettle</h1>" not in recorder.body
    assert "ok hit" in new.headers["server-timing"] and len(renders) == 2


def test_a_visitors_own_copies_make_a_page_for_that_visitor_only(clock):
    private = {**ROUTES, "/buybox/SKU-1": Reply(body=b"<p>A</p>", headers={**HTML})}
    cookies = [
        f"tessera_visitor={visitor_cookie_value(name * 20, VISITOR_KEY)}".encode()
        for name in "ABAB"
    ]

    def between(server, index):
        if index < 2:  # each visitor's first page: the buybox answers for them alone
            answer = f"<p>{'AB'[index]}</p>".encode()
            server.routes["/buybox/SKU-1"] = Reply(
                body=answer, headers={**HTML, "Cache-Control": "private, max-age=60"}
            )

    recorders, app, _ = pages(["/product/SKU-1"] * 4, private, between, cookies)
    assert [re.search(r"<p>([AB])</p>", r.body).group(1) for r in recorders] == list("ABAB")
    assert all("ok hit" in r.headers["server-timing"] for r in recorders[2:])
    assert len(app.rendered) == 2


def test_kept_pages_are_bounded_in_bytes_least_recently_used_first(clock, renders):
    async def scenario():
        async with serve(dict(ROUTES)) as server:
            app = app_for(server.url, [])
            for path in ["/product/SKU-1"] * 2 + ["/product/SKU-2"] * 2:
                if path.endswith("2") and len(app.rendered) == 1:
                    app.rendered.max_bytes = app.rendered.bytes + 1  # room for one page only
                await app(request(path), never_disconnect, Recorder(server))
            kept = (len(app.rendered), app.rendered.bytes, app.rendered.max_bytes)
            app.rendered.max_bytes = 10  # smaller than any page: rendered, not kept
            recorders = [Recorder(server), Recorder(server)]
            for recorder in recorders:
                await app(request("/product/SKU-1"), never_disconnect, recorder)
            kept_after = len(app.rendered)
            await close_connections()
            return kept, kept_after, recorders

    (count, size, bound), kept_after, recorders = asyncio.run(scenario())
    assert count == 1 and size <= bound  # the Kettle's page went for the Teapot's
    assert renders == ["Kettle", "Teapot", "Kettle", "Kettle"] and kept_after == 1
    assert all("<h1>Kettle</h1>" in recorder.body for recorder in recorders)


def test_a_head_request_for_a_page_of_fresh_copies_gets_no_body(clock):
    (_, head, get), _, _ = pages(["/product/SKU-1"] * 3, methods=["GET", "HEAD", "GET"])
    assert head.start["status"] == 200 and "ok hit" in head.headers["server-timing"]
    assert head.body == "" and "<h1>Kettle</h1>" in get.body


def test_a_page_asked_for_again_is_kept_over_one_that_was_not(clock, renders):
    kettle, teapot = "/product/SKU-1", "/product/SKU-2"

    async def scenario():
        async with serve(dict(ROUTES)) as server:
            app = app_for(server.url, [])
            for path in (kettle, kettle, teapot, teapot):  # both kept, the Teapot's last
                await app(request(path), never_disconnect, Recorder(server))
            app.rendered.max_bytes = app.rendered.bytes  # room for these two only
            await app(request(kettle), never_disconnect, Recorder(server))  # now the Kettle's
            server.routes["/product/SKU-3"] = ROUTES["/product/SKU-2"]
            server.routes["/buybox/SKU-3"] = ROUTES["/buybox/SKU-2"]
            server.routes["/recs/SKU-3"] = ROUTES["/recs/SKU-2"]
            for _ in range(2):  # a third page pushes one out
                await app(request("/product/SKU-3"), never_disconnect, Recorder(server))
            for path in (kettle, teapot):
                await app(request(path), never_disconnect, Recorder(server))
            await close_connections()

    asyncio.run(scenario())
    # Rendered again at the end: only the Teapot's page, the one least recently asked for.
    assert renders == ["Kettle", "Teapot", "Teapot", "Teapot"]
