"""The ASGI page handler: decisions, streaming, async fragments, disconnects, /_fragment."""

import asyncio
import json
import re
from dataclasses import replace
from types import MappingProxyType

import pytest

from shell.engine import (
    FragmentConfig,
    Page,
    PageApp,
    ResponsePolicy,
    Site,
    close_connections,
    fragment_resolved,
    open_connections,
)
from shell.engine.locale import Locales
from tessera.runtime.visitor import verify_visitor, visitor_cookie_value
from tests.httpserver import Reply, serve

HANGUL = re.compile("[\uac00-\ud7a3]")

KEY = b"test-context-key"
VISITOR_KEY = b"test-visitor-key"
#: A returning visitor's cookie, as the shell signed it.
VISITOR = b"tessera_visitor=" + visitor_cookie_value("abcdefghijklmnop1234", VISITOR_KEY).encode()
HTML = {"Content-Type": "text/html; charset=utf-8"}
PRODUCT = Page(
    "product",
    "/product/{sku}",
    "product.html",
    "Shop",
    {
        "header": ("header",),
        "product": ("product",),
        "buybox": ("buybox",),
        "recommendations": ("recs",),
    },
)


class Recorder:
    """An ASGI `send` that records messages and what the fragment server was doing then."""

    def __init__(self, server=None) -> None:
        self.messages = []
        self.in_flight_at_send = []
        self.server = server

    async def __call__(self, message):
        self.messages.append(message)
        self.in_flight_at_send.append(self.server.in_flight if self.server else 0)

    @property
    def start(self):
        return self.messages[0]

    @property
    def headers(self):
        return {k.decode(): v.decode() for k, v in self.start["headers"]}

    @property
    def set_cookies(self) -> list[str]:
        return [v.decode() for k, v in self.start["headers"] if k == b"set-cookie"]

    @property
    def body(self) -> str:
        return b"".join(m.get("body", b"") for m in self.messages[1:]).decode()


def request(path, method="GET", headers=(), query=b""):
    return {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query,
        "headers": list(headers),
    }


async def never_disconnect():
    await asyncio.sleep(3600)


def app_for(server_url, passed_on=None, **overrides):
    configs = {
        "header": FragmentConfig("header", "/header", instances=(server_url,)),
        "product": FragmentConfig(
            "product", "/product/{sku}", primary=True, instances=(server_url,)
        ),
        "buybox": FragmentConfig("buybox", "/buybox/{sku}", instances=(server_url,)),
        "recs": FragmentConfig("recs", "/recs/{sku}", is_async=True, instances=(server_url,)),
    }
    for name, changes in overrides.items():
        configs[name] = replace(configs[name], **changes)
    fragments = MappingProxyType(configs)

    async def django(scope, receive, send):
        passed_on.append((scope["method"], scope["path"]))

    site = Site.build([PRODUCT], fragments)
    return PageApp(lambda: site, django, context_key=KEY, visitor_key=VISITOR_KEY)


ROUTES = {
    "/header": Reply(body=b"<header>head</header>"),
    "/product/SKU-1": Reply(
        body=b"<h1>Kettle</h1>",
        headers={
            **HTML,
            "X-Page-Title": "Kettle <3",
            "Link": "</_assets/product/p.css>; rel=stylesheet",
        },
    ),
    "/buybox/SKU-1": Reply(body=b"<p>buy</p><div>unclosed", headers={**HTML, "Set-Cookie": "x=1"}),
    "/recs/SKU-1": Reply(body=b"<p>recs</p>"),
}
#: A fragment timeout no fetch reaches on a loaded machine: where a test holds a fragment's
#: answer behind a gate, only what the test is about (the client leaving, the page's budget)
#: may end the wait, never the fragment's own deadline.
PATIENT = {"timeout_ms": 30_000}


async def until(condition, seconds: float = 10.0) -> None:
    """Let the loop run until `condition()` holds; fail after `seconds` (generous: what is
    awaited is an event on loopback, a matter of loop turns, not of time)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the condition never held"
        await asyncio.sleep(0.005)


def compose(path="/product/SKU-1", routes=ROUTES, scope_changes=None, policy=None, **overrides):
    async def scenario():
        async with serve(routes) as server:
            passed_on = []
            app = app_for(server.url, passed_on, **overrides)
            app.policy = policy or app.policy
            recorder = Recorder(server)
            scope = {**request(path), **(scope_changes or {})}
            await app(scope, never_disconnect, recorder)
            await close_connections()
            return recorder, server, passed_on

    return asyncio.run(scenario())


def test_a_page_is_composed_in_document_order_with_the_primary_title():
    recorder, _server, _ = compose()
    html = recorder.body
    assert recorder.start["status"] == 200
    assert "<title>Kettle &lt;3</title>" in html
    order = [html.index(s) for s in ("<header>head", "<h1>Kettle", "<p>buy", 'id="tessera-async-')]
    assert order == sorted(order)
    assert '<div data-fragment="buybox"><p>buy</p><div>unclosed</div></div>' in html
    assert recorder.headers["link"] == "</_assets/product/p.css>; rel=preload; as=style"
    assert '<link rel="stylesheet" href="/_assets/product/p.css">' in html.split("</head>")[0]
    # The buybox (not the primary) sent `Set-Cookie: x=1`: a page never passes it on.
    assert not [c for c in recorder.set_cookies if c.startswith("x=")]
    assert all(v != b"x=1" for k, v in recorder.start["headers"])


def test_the_head_goes_out_before_a_slow_async_fragment_which_is_moved_in_later():
    # The recommendations answer only once the page has sent their placeholder (a gate, not
    # a delay): however loaded the machine, they are still pending when the top goes out,
    # and a page that held its top back for them would never get them.
    async def scenario():
        placeholder_sent = asyncio.Event()
        routes = {**ROUTES, "/recs/SKU-1": Reply(body=b"<p>recs</p>", gate=placeholder_sent)}
        async with serve(routes) as server:
            app = app_for(server.url, [], recs=PATIENT)
            recorder = Recorder(server)

            async def send(message):
                await recorder(message)
                if b'data-fragment="recs"' in message.get("body", b""):
                    placeholder_sent.set()

            await app(request("/product/SKU-1"), never_disconnect, send)
            await close_connections()
            return recorder

    recorder = asyncio.run(scenario())
    chunks = [m["body"].decode() for m in recorder.messages[1:]]
    with_placeholder = [i for i, c in enumerate(chunks) if 'data-fragment="recs" id="tessera' in c]
    with_fill = [i for i, c in enumerate(chunks) if '<div data-tessera-fill="tessera-async-' in c]
    assert with_placeholder and with_fill, chunks
    # The top of the page, the placeholder with it, went out in a chunk before the fill.
    assert with_placeholder[0] < with_fill[0]
    assert "</head>" in "".join(chunks[: with_placeholder[0] + 1])
    html = recorder.body
    filled = html.index('<div data-tessera-fill="tessera-async-')
    assert filled < html.index("</body>")
    assert "<p>recs</p>" in html[filled:] and "<p>recs</p>" not in html[:filled]
    assert "replaceChildren" in html[filled:]
    timing = recorder.headers["server-timing"]
    assert "product;dur=" in timing and 'recs;desc="streamed"' in timing


def test_every_fragment_gets_context_but_no_cookies():
    cookie = (
        b"cookie",
        VISITOR + b"; session=secret; csrftoken=" + b"c" * 32,
    )
    recorder, server, _ = compose(
        scope_changes={"headers": [cookie, (b"accept-language", b"de-DE,de;q=0.9")]}
    )
    for _, _, headers, _ in server.requests:
        assert "cookie" not in headers
        assert headers["x-tessera-locale"] == "en"  # the engine's default shop: English only
        assert headers["x-tessera-path"] == "/product/SKU-1"
        assert headers["traceparent"].startswith("00-")
        assert verify_visitor(headers["x-tessera-visitor"], KEY, 0) == "abcdefghijklmnop1234"
    assert recorder.set_cookies == []  # a known visitor gets no new cookie


def test_the_language_switch_keeps_the_choice_and_goes_back_to_the_page():
    async def scenario():
        app = app_for("http://127.0.0.1:9")
        app.locales = Locales(("en", "ko"))
        answers = []
        for path, query in [
            ("/_locale/ko", b"next=/product/SKU-1%3Fq%3D1"),
            ("/_locale/ko", b"next=//evil.example/"),
            ("/_locale/ko", b"next=https://evil.example/"),
            ("/_locale/fr", b"next=/"),
            ("/_locale/ko", b"next=/" + b"a" * 3000),
        ]:
            recorder = Recorder()
            await app(request(path, query=query), never_disconnect, recorder)
            answers.append((recorder.start["status"], recorder.headers.get("location"),
                            recorder.set_cookies))  # fmt: skip
        await close_connections()
        return answers

    kept = ["tessera_locale=ko; Path=/; Max-Age=31536000; SameSite=Lax"]
    assert asyncio.run(scenario()) == [
        (303, "/product/SKU-1?q=1", kept),
        (303, "/", kept),  # never to another site
        (303, "/", kept),
        (404, None, []),  # not one of the shop's languages
        (303, "/", kept),  # no page has so long a path: not echoed back
    ]


def test_a_page_says_which_language_it_is_in():
    async def scenario():
        async with serve(ROUTES) as server:
            app = app_for(server.url, [])
            app.locales = Locales(("en", "ko"))
            pages = []
            for language in (b"ko-KR,ko;q=0.9", b"de"):
                recorder = Recorder(server)
                headers = [(b"accept-language", language)]
                await app(request("/product/SKU-1", headers=headers), never_disconnect, recorder)
                pages.append(recorder.body)
            await close_connections()
            return pages

    korean, other = asyncio.run(scenario())
    assert '<html lang="ko">' in korean and '<html lang="en">' in other


def test_the_shells_own_words_and_error_pages_are_in_the_pages_language():
    failing = {**ROUTES, "/product/SKU-1": Reply(500, b"")}

    async def scenario():
        pages = {}
        async with serve(failing) as server:
            app = app_for(server.url, [])
            app.locales = Locales(("en", "ko"))
            for language in ("ko", "en"):
                headers = [(b"accept-language", language.encode())]
                for path in ("/product/SKU-1", "/nowhere"):
                    recorder = Recorder(server)
                    await app(request(path, headers=headers), never_disconnect, recorder)
                    pages[language, recorder.start["status"]] = recorder.body
            await close_connections()
        return pages

    pages = asyncio.run(scenario())
    assert sorted(pages) == [("en", 404), ("en", 503), ("ko", 404), ("ko", 503)]
    korean_404, english_404 = pages["ko", 404], pages["en", 404]
    assert "<title>페이지를 찾을 수 없음</title>" in korean_404
    assert "페이지를 찾을 수 없습니다" in korean_404 and "본문으로 건너뛰기" in korean_404
    assert "<title>Page not found</title>" in english_404
    assert "We couldn't find that page" in english_404 and "Skip to content" in english_404
    assert "이 페이지는 잠시 쉬는 중입니다" in pages["ko", 503]
    assert "<title>일시적으로 이용할 수 없음" in pages["ko", 503]
    assert "taking a break" in pages["en", 503] and not HANGUL.search(pages["en", 503])


def test_a_fragment_configured_for_cookies_receives_them():
    cookie = (b"cookie", VISITOR + b"; session=secret; csrftoken=" + b"c" * 32)
    _, server, _ = compose(
        scope_changes={"headers": [cookie]}, buybox={"forward_headers": ("cookie",)}
    )
    by_path = {target.split("?")[0]: headers for _, target, headers, _ in server.requests}
    assert by_path["/buybox/SKU-1"]["cookie"] == "session=secret"
    assert "cookie" not in by_path["/header"]


def test_a_new_visitor_gets_a_visitor_cookie_and_a_csrf_cookie_for_scripts():
    recorder, _, _ = compose()
    visitor, csrf = recorder.set_cookies
    assert visitor.startswith("tessera_visitor=") and "HttpOnly" in visitor
    assert re.match(r"csrftoken=[A-Za-z0-9]{32}; Path=/;", csrf) and "HttpOnly" not in csrf


def test_a_malformed_csrf_cookie_is_replaced():
    cookie = (b"cookie", VISITOR + b"; csrftoken=short")
    recorder, _, _ = compose(scope_changes={"headers": [cookie]})
    (csrf,) = recorder.set_cookies
    assert csrf.startswith("csrftoken=") and not csrf.startswith("csrftoken=short")


def test_primary_redirect_becomes_the_page_redirect_with_location_only():
    routes = {
        **ROUTES,
        "/product/SKU-1": Reply(302, b"body", headers={"Location": "/product/SKU-2"}),
    }
    recorder, _, _ = compose(routes=routes)
    assert recorder.start["status"] == 302
    assert recorder.headers["location"] == "/product/SKU-2"
    assert recorder.body == ""


def test_primary_404_gives_the_shells_404_page_with_header():
    routes = {**ROUTES, "/product/SKU-1": Reply(404, b"")}
    recorder, _, _ = compose(routes=routes)
    assert recorder.start["status"] == 404
    assert "We couldn't find that page" in recorder.body
    assert "<header>head</header>" in recorder.body
    assert "<p>buy</p>" not in recorder.body


def test_failed_primary_without_fallback_is_a_503_page_and_with_fallback_a_page():
    routes = {**ROUTES, "/product/SKU-1": Reply(500, b"")}
    failed, _, _ = compose(routes=routes)
    assert failed.start["status"] == 503
    assert "taking a break" in failed.body
    rescued, _, _ = compose(routes=routes, product={"fallback_html": "<p>product later</p>"})
    assert rescued.start["status"] == 200
    assert "<p>product later</p>" in rescued.body


def test_a_failed_required_fragment_fails_the_page():
    routes = {**ROUTES, "/buybox/SKU-1": Reply(500, b"")}
    optional, _, _ = compose(routes=routes)
    required, _, _ = compose(routes=routes, buybox={"required": True})
    assert optional.start["status"] == 200
    assert 'data-tessera-retry="/_fragment/buybox?sku=SKU-1"' in optional.body
    assert "querySelectorAll('[data-tessera-retry]')" in optional.body
    assert required.start["status"] == 503


def test_head_requests_get_headers_only():
    recorder, _, _ = compose(scope_changes={"method": "HEAD"})
    assert recorder.start["status"] == 200
    assert recorder.body == ""


def test_other_requests_go_to_django():
    recorder, _, passed_on = compose("/bff/cart/items")
    _post, _, passed_on_post = compose(scope_changes={"method": "POST"})
    assert passed_on == [("GET", "/bff/cart/items")]
    assert passed_on_post == [("POST", "/product/SKU-1")]
    assert recorder.messages == []


def test_a_client_disconnect_cancels_outstanding_fetches():
    # The primary and the async fragment never answer (a gate kept shut) and may take 30 s:
    # only the client leaving can end the page. Real sockets, so real time, but nothing here
    # waits for a duration: the bound below is a failure's, 3 times short of the fetches'.
    async def scenario():
        never = asyncio.Event()
        routes = {
            **ROUTES,
            "/product/SKU-1": Reply(body=b"<h1>x</h1>", gate=never),
            "/recs/SKU-1": Reply(body=b"<p>recs</p>", gate=never),
        }
        async with serve(routes) as server:
            app = app_for(server.url, product=PATIENT, recs=PATIENT)
            gone = asyncio.Event()

            async def receive():
                await gone.wait()
                return {"type": "http.disconnect"}

            recorder = Recorder(server)
            page = asyncio.create_task(app(request("/product/SKU-1"), receive, recorder))
            await until(lambda: server.in_flight == 2)  # both are being fetched
            gone.set()
            await asyncio.wait({page}, timeout=10)
            assert page.done(), "the page went on after its client left"
            client_connections = open_connections()
            await close_connections()
            never.set()
            return recorder, client_connections, page

    recorder, still_open, page = asyncio.run(scenario())
    assert recorder.messages == []  # nothing was sent: the primary never answered
    assert not page.cancelled()
    assert still_open <= 2  # the cancelled fetch's connection was closed


def test_single_fragment_endpoint_serves_one_fragment_through_the_pipeline():
    recorder, _server, _ = compose(
        "/_fragment/buybox", scope_changes={"query_string": b"sku=SKU-1"}
    )
    assert recorder.start["status"] == 200
    assert recorder.body == '<div data-fragment="buybox"><p>buy</p><div>unclosed</div></div>'
    missing, _, _ = compose("/_fragment/buybox")
    unknown, _, _ = compose("/_fragment/nope")
    assert (missing.start["status"], unknown.start["status"]) == (400, 404)
    # What the fragment says does not exist is a 404; a fragment that fails, a 502.
    nothing = compose("/_fragment/buybox", scope_changes={"query_string": b"sku=SKU-404"})[0]
    broken = compose(
        "/_fragment/buybox",
        routes={"/buybox/SKU-1": Reply(500, b"")},
        scope_changes={"query_string": b"sku=SKU-1"},
    )[0]
    assert (nothing.start["status"], broken.start["status"]) == (404, 502)


def test_a_fragment_opened_in_a_frame_is_shown_as_the_store_shows_it():
    framed, _, _ = compose(
        "/_fragment/buybox",
        scope_changes={"query_string": b"sku=SKU-1", "headers": [(b"sec-fetch-dest", b"iframe")]},
    )
    body = framed.body
    assert body.startswith("<!doctype html>") and body.endswith("</body></html>")
    assert re.search(r'<link rel="stylesheet" href="/static/shell/tokens\.[^"]*css">', body)
    assert '<main class="page"><div data-fragment="buybox"><p>buy</p>' in body
    # The browser's retry fetches it: the fragment alone, to put into the page.
    fetched, _, _ = compose(
        "/_fragment/buybox",
        scope_changes={"query_string": b"sku=SKU-1", "headers": [(b"sec-fetch-dest", b"empty")]},
    )
    assert fetched.body.startswith('<div data-fragment="buybox">')


def test_single_fragment_parameters_are_checked_as_route_parameters_are():
    for query in (b"sku=..", b"sku=.", b"sku=SKU-1%1b", b"sku=" + b"x" * 201):
        refused, server, _ = compose("/_fragment/buybox", scope_changes={"query_string": query})
        assert refused.start["status"] == 400, query
        assert server.requests == []
    # An empty value is a parameter the page lacks (as in a browser retry's URL).
    taken, _, _ = compose("/_fragment/buybox", scope_changes={"query_string": b"sku=SKU-1&q="})
    assert taken.start["status"] == 200


def test_every_resolved_fragment_is_an_event_and_failures_are_logged(caplog):
    seen = []
    fragment_resolved.append(lambda outcome, rid: seen.append((outcome.name, outcome.kind)))
    try:
        routes = {**ROUTES, "/buybox/SKU-1": Reply(500, b"")}
        with caplog.at_level("WARNING", logger="tessera.engine"):
            recorder, _, _ = compose(routes=routes)
    finally:
        fragment_resolved.pop()
    assert sorted(seen) == [
        ("buybox", "placeholder"), ("header", "ok"), ("product", "ok"), ("recs", "ok")
    ]  # fmt: skip
    (record,) = [r for r in caplog.records if r.name == "tessera.engine"]
    assert record.getMessage() == "fragment buybox: status 500"
    assert record.page_request_id == recorder.headers["x-request-id"]


def test_an_unknown_path_is_the_shells_404_page_not_djangos():
    home = Page("home", "/", "home.html", "Home", {"header": ("header",), "hero": ("buybox",)})

    async def scenario():
        async with serve(ROUTES) as server:
            fragments = {"header": FragmentConfig("header", "/header", instances=(server.url,))}
            site = Site.build([home], fragments)
            passed_on = []

            async def django(scope, receive, send):
                passed_on.append(scope["path"])

            app = PageApp(lambda: site, django, context_key=KEY, visitor_key=VISITOR_KEY)
            recorder = Recorder(server)
            await app(request("/no/such/page"), never_disconnect, recorder)
            await app(request("/static/shell/tokens.css"), never_disconnect, Recorder())
            await close_connections()
            return recorder, passed_on

    recorder, passed_on = asyncio.run(scenario())
    assert recorder.start["status"] == 404
    assert "We couldn't find that page" in recorder.body
    assert "<header>head</header>" in recorder.body
    assert passed_on == ["/static/shell/tokens.css"]


def test_a_route_typed_with_a_trailing_slash_redirects_to_the_page_its_query_kept():
    async def scenario():
        app = app_for("http://127.0.0.1:9")
        answers = {}
        for path, raw, query in [
            ("/product/SKU-1/", b"/product/SKU-1/", b"q=1"),
            ("/product/SKU-1//", b"/product/SKU-1//", b""),
            ("/product/SKU-1/", b"/product/SKU-1%2F", b""),  # an escaped slash is the SKU's
            ("//product/SKU-1/", b"//product/SKU-1/", b""),
            ("/nothing/", b"/nothing/", b""),
        ]:
            recorder = Recorder()
            scope = {**request(path, query=query), "raw_path": raw}
            await app(scope, never_disconnect, recorder)
            answers[raw + b"?" + query] = (
                recorder.start["status"],
                recorder.headers.get("location"),
            )
        await close_connections()
        return answers

    answers = asyncio.run(scenario())
    assert answers == {
        b"/product/SKU-1/?q=1": (301, "/product/SKU-1?q=1"),
        b"/product/SKU-1//?": (301, "/product/SKU-1"),
        b"/product/SKU-1%2F?": (404, None),  # no SKU holds a slash: no redirect to itself
        b"//product/SKU-1/?": (404, None),
        b"/nothing/?": (404, None),
    }


def test_every_title_says_whose_shop_it_is():
    routes = {**ROUTES, "/header": Reply(body=b"<header>head</header>")}

    async def scenario():
        async with serve(routes) as server:
            app = app_for(server.url, [])
            app.site_name = "Tessera"
            titles = []
            for path in ("/product/SKU-1", "/no/such/page"):
                recorder = Recorder(server)
                await app(request(path), never_disconnect, recorder)
                titles.append(re.search("<title>(.*)</title>", recorder.body).group(1))
            await close_connections()
            return titles

    assert asyncio.run(scenario()) == [
        "Kettle &lt;3 &middot; Tessera",
        "Page not found &middot; Tessera",
    ]


def test_the_browser_retry_asks_for_the_parameters_as_the_page_had_them():
    routes = {
        **ROUTES,
        "/product/SKU-1%20x%26y": ROUTES["/product/SKU-1"],
        "/buybox/SKU-1%20x%26y": Reply(500, b""),
    }
    recorder, _, _ = compose("/product/SKU-1 x&y", routes=routes)
    assert 'data-tessera-retry="/_fragment/buybox?sku=SKU-1%20x%26y"' in recorder.body


def test_a_fragment_past_the_page_budget_is_retried_by_the_browser_with_its_parameters():
    # The buybox never answers (a gate kept shut) and its own timeout is 30 s: only the page's
    # budget can end the wait for it, whatever the machine's load. The budget is real time
    # (the page fetches over real sockets, which a virtual clock cannot drive), but short or
    # long it ends the same way; the bound on the page is a failure's, far short of 30 s.
    async def scenario():
        never = asyncio.Event()
        routes = {**ROUTES, "/buybox/SKU-1": Reply(body=b"<p>late</p>", gate=never)}
        async with serve(routes) as server:
            app = app_for(server.url, buybox=PATIENT)
            app.page_budget = 0.2
            recorder = Recorder(server)
            page = app(request("/product/SKU-1"), never_disconnect, recorder)
            await asyncio.wait_for(page, 10)
            await close_connections()
            never.set()
            return recorder

    recorder = asyncio.run(scenario())
    assert recorder.start["status"] == 200
    assert 'data-tessera-retry="/_fragment/buybox?sku=SKU-1"' in recorder.body
    assert "<p>late</p>" not in recorder.body


def csp_of(recorder) -> dict[str, str]:
    policy = recorder.headers["content-security-policy"]
    return dict(d.strip().partition(" ")[::2] for d in policy.split(";"))


def test_only_scripts_the_shell_writes_run_they_carry_the_pages_nonce():
    routes = {
        **ROUTES,
        "/buybox/SKU-1": Reply(500, b""),  # a browser retry: the retry script
        "/header": Reply(
            body=b"<header>head</header><script>alert(1)</script><script src=/bff/x.js>",
            headers={**HTML, "Link": "</_assets/header/h.js>; rel=script"},
        ),
    }
    recorder, _, _ = compose(routes=routes)
    csp = csp_of(recorder)
    found = re.fullmatch(r"'nonce-([0-9a-f]{32})' 'strict-dynamic' 'self'", csp["script-src"])
    nonce = found.group(1)
    assert (csp["object-src"], csp["base-uri"], csp["frame-ancestors"]) == ("'none'",) * 3
    scripts = re.findall(r"<script([^>]*)>", recorder.body)
    assert scripts == [
        f' type="module" nonce="{nonce}" src="/_assets/header/h.js"',  # the header's own asset
        f' nonce="{nonce}"',  # the async fill
        f' nonce="{nonce}"',  # the browser retry
    ]  # the header's own inline script and its script from elsewhere are gone
    again, _, _ = compose(routes=routes)
    assert csp_of(again)["script-src"] != csp["script-src"]  # a nonce per response
    headers = recorder.headers
    assert (headers["x-content-type-options"], headers["x-frame-options"]) == ("nosniff", "DENY")
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in headers


def test_over_https_cookies_are_secure_and_browsers_are_told_to_stay():
    recorder, _, _ = compose(policy=ResponsePolicy(https=True))
    assert recorder.headers["strict-transport-security"].startswith("max-age=")
    assert recorder.set_cookies and all("; Secure" in c for c in recorder.set_cookies)


def test_the_fragment_preview_may_be_framed_by_the_registry_only():
    policy = ResponsePolicy(preview_origins=("http://registry:8001",))
    recorder, _, _ = compose(
        "/_fragment/buybox", scope_changes={"query_string": b"sku=SKU-1"}, policy=policy
    )
    assert csp_of(recorder)["frame-ancestors"] == "'self' http://registry:8001"
    assert "x-frame-options" not in recorder.headers


@pytest.mark.parametrize(
    "location",
    [
        "javascript:alert(1)",
        "//evil.example/",
        "/\\evil.example/",
        "https://evil.example/product/SKU-2",
        "/product/SKU 2",  # not a URL: a space
        "http://evil.example\\@help.example/",  # a browser goes to evil.example
        "https://evil.example@help.example/",
        "https://help.example\\evil",
        "data:text/html,<script>alert(1)</script>",
    ],
)
def test_a_primary_cannot_redirect_a_page_out_of_the_shop(location):
    routes = {**ROUTES, "/product/SKU-1": Reply(302, b"", headers={"Location": location})}
    policy = ResponsePolicy(redirect_hosts=frozenset({"Help.Example"}))
    recorder, _, _ = compose(routes=routes, policy=policy)
    assert recorder.start["status"] == 503
    assert "location" not in recorder.headers
    assert "<header>head</header>" in recorder.body


def test_a_primary_may_redirect_to_a_host_on_the_allowlist():
    routes = {
        **ROUTES,
        "/product/SKU-1": Reply(302, b"", headers={"Location": "https://help.example/x"}),
    }
    policy = ResponsePolicy(redirect_hosts=frozenset({"Help.Example"}))  # any case
    recorder, _, _ = compose(routes=routes, policy=policy)
    assert (recorder.start["status"], recorder.headers["location"]) == (
        302,
        "https://help.example/x",
    )


def test_a_primary_sets_only_its_configured_cookies_scoped_to_its_bff():
    cookies = {
        "Set-Cookie": "seen=1; Path=/; Domain=evil.example",
        "set-cookie": "tessera_visitor=fixated; Path=/",
    }
    routes = {**ROUTES, "/product/SKU-1": Reply(body=b"<h1>x</h1>", headers={**HTML, **cookies})}
    known = (b"cookie", VISITOR + b"; csrftoken=" + b"c" * 32)  # no cookies of the shell's own
    unconfigured, _, _ = compose(routes=routes, scope_changes={"headers": [known]})
    configured, _, _ = compose(
        routes=routes, scope_changes={"headers": [known]}, product={"cookies": ("seen",)}
    )
    assert unconfigured.set_cookies == []
    assert configured.set_cookies == ["seen=1; Path=/bff/product/"]


def test_fragments_get_the_path_as_the_browser_sent_it():
    _, server, _ = compose("/product/SKU-1 x", scope_changes={"raw_path": b"/product/SKU-1%20x"})
    assert {headers["x-tessera-path"] for _, _, headers, _ in server.requests} == {
        "/product/SKU-1%20x"
    }


SEARCH = Page(
    "search", "/search?q={q}&page={page:int}", "listing.html", "Search", {"header": ("header",)}
)


@pytest.mark.parametrize(
    ("path", "query", "status"),
    [
        ("/product/SKU-1\x1b", b"", 404),  # a control character in a path parameter
        ("/product/" + "x" * 201, b"", 404),
        ("/search", b"page=%C2%B2", 400),  # "²" is a digit to str.isdigit(), not to the route
        ("/search", b"page=-1", 400),
        ("/search", b"q=%00", 400),
        ("/search", b"q=shoes&page=2", 200),
        ("/search", b"q=AC%2FDC+..", 200),  # a query value may hold "/" and dots
        ("/product/..", b"", 404),  # a path one may not be a dot segment
        ("/search", b"q=", 200),
    ],
)
def test_route_parameters_are_checked_at_the_edge(path, query, status):
    async def scenario():
        async with serve(ROUTES) as server:
            home = Page("home", "/", "home.html", "Home", {"header": ("header",)})
            fragments = {
                **app_for(server.url).site().fragments,
            }
            site = Site.build([home, PRODUCT, SEARCH], fragments)
            app = PageApp(lambda: site, None, context_key=KEY, visitor_key=VISITOR_KEY)
            recorder = Recorder(server)
            await app({**request(path), "query_string": query}, never_disconnect, recorder)
            await close_connections()
            return recorder, server.requests

    recorder, requests = asyncio.run(scenario())
    assert recorder.start["status"] == status
    assert "<header>head</header>" in recorder.body  # the page keeps its header
    if status != 200:
        assert [target for _, target, _, _ in requests] == ["/header"]  # no fragment saw it


def test_a_page_of_fresh_copies_asks_no_fragment_and_says_so():
    cacheable = {**HTML, "Cache-Control": "public, max-age=60"}
    routes = {
        "/header": Reply(body=b"<header>head</header>", headers=cacheable),
        "/product/SKU-1": Reply(body=b"<h1>Kettle</h1>", headers=cacheable),
        "/buybox/SKU-1": Reply(body=b"<p>buy</p>", headers=cacheable),
        "/recs/SKU-1": Reply(body=b"<p>recs</p>", headers=cacheable),
    }

    async def scenario():
        async with serve(routes) as server:
            app = app_for(server.url, [])
            first, second = Recorder(server), Recorder(server)
            await app(request("/product/SKU-1"), never_disconnect, first)
            asked = len(server.requests)
            await app(request("/product/SKU-1"), never_disconnect, second)
            await close_connections()
            return second, asked, len(server.requests)

    second, asked, asked_after = asyncio.run(scenario())
    assert (asked, asked_after) == (4, 4)  # the second page asked nothing
    for html in ("<header>head</header>", "<h1>Kettle</h1>", "<p>buy</p>", "<p>recs</p>"):
        assert html in second.body
    assert "data-tessera-retry" not in second.body and second.start["status"] == 200
    timing = second.headers["server-timing"]
    assert all(f'{name};dur=0.0;desc="ok hit"' in timing for name in ("header", "product", "recs"))


def test_the_retry_script_says_in_the_pages_language_when_the_retry_fails_too():
    """A box the browser's retry could not fill either says so, in the page's language; the
    words are a JSON string that cannot end the script element."""
    from shell.engine.retry import FAILED_CLASS, retry_script

    english, korean = retry_script("en"), retry_script("ko")
    assert '"This part of the page could not be loaded. Reloading may bring it."' in english
    assert json.dumps("페이지의 이 부분을 불러오지 못했습니다")[1:-1] in korean  # escaped
    for script in (english, korean):
        assert f"e.classList.add('{FAILED_CLASS}')" in script and ".catch(f)" in script
        assert "</" not in script
