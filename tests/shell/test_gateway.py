"""The /bff/ and /_assets/ gateway, relaying to a scripted fragment over loopback."""

import asyncio
import logging

import pytest
from django.test import AsyncClient, override_settings

from shell import gateway
from shell.engine.config import FragmentConfig
from shell.engine.site import Site
from shell.gateway.assets import AssetCache, Kept, assets, size_of
from shell.middleware import MIDDLEWARE as SHELL_MIDDLEWARE
from shell.snapshot import Snapshot, poller
from tessera.runtime.visitor import visitor_cookie_value
from tests.httpserver import Reply, serve

pytestmark = pytest.mark.urls("shell.urls")
VISITOR_KEY = b"unit-test-visitor-key"  # tests/settings.py's


def visiting(visitor: str) -> AsyncClient:
    """A browser that has the shell's signed cookie for `visitor`."""
    client = AsyncClient()
    client.cookies["tessera_visitor"] = visitor_cookie_value(visitor, VISITOR_KEY)
    return client


def with_fragment(server_url: str | None) -> None:
    with_instances((server_url,) if server_url else ())


def with_instances(instances, **config) -> None:
    poller.current = Snapshot(
        Site.build([], {"cart": FragmentConfig("cart", instances=instances, **config)})
    )


def run(scenario):
    async def wrapped():
        try:
            return await scenario()
        finally:
            await gateway.close()
            poller.current = Snapshot()
            assets.clear()

    return asyncio.run(wrapped())


def test_get_is_relayed_with_path_and_query_and_only_safe_headers():
    async def scenario():
        reply = Reply(
            body=b'{"items": 2}',
            headers={
                "Content-Type": "application/json",
                "Set-Cookie": "session=hijack",
                "Cache-Control": "no-store",
            },
        )
        async with serve({"/bff/cart/items": reply}) as server:
            with_fragment(server.url)
            client = AsyncClient(
                headers={"Cookie": "sessionid=secret", "Authorization": "Bearer t"}
            )
            response = await client.get(
                "/bff/cart/items?x=1", headers={"Accept-Language": "de", "X-Evil": "1"}
            )
            return response, server.requests

    response, requests = run(scenario)
    assert response.status_code == 200
    assert response.content == b'{"items": 2}'
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response and not response.cookies
    ((method, target, headers, _),) = requests
    assert (method, target) == ("GET", "/bff/cart/items?x=1")
    assert headers["accept-language"] == "de"
    assert not {"cookie", "authorization", "x-evil"} & set(headers)


def test_a_bff_is_told_the_pages_language_the_visitors_choice_first():
    async def scenario():
        reply = Reply(body=b"{}", headers={"Content-Type": "application/json"})
        async with serve({"/bff/cart/items": reply}) as server:
            with_fragment(server.url)
            browser = AsyncClient()
            await browser.get("/bff/cart/items", headers={"Accept-Language": "ko-KR,ko;q=0.9"})
            browser.cookies["tessera_locale"] = "en"  # chosen with the language switch
            await browser.get("/bff/cart/items", headers={"Accept-Language": "ko-KR"})
            await AsyncClient().get("/bff/cart/items", headers={"Accept-Language": "fr"})
            return [headers["x-tessera-locale"] for _, _, headers, _ in server.requests]

    assert run(scenario) == ["ko", "en", "en"]


def test_post_without_csrf_token_is_refused_before_reaching_the_fragment():
    async def scenario():
        async with serve({"/bff/cart/items": Reply(201, b"{}")}) as server:
            with_fragment(server.url)
            client = AsyncClient(enforce_csrf_checks=True)
            response = await client.post(
                "/bff/cart/items", {"sku": "1"}, content_type="application/json"
            )
            return response, server.requests

    response, requests = run(scenario)
    assert response.status_code == 403
    assert requests == []


def _write(
    content_type: str = "application/json",
    body: bytes | dict = b'{"sku": "1"}',
    headers: dict[str, str] | None = None,
    *,
    secure: bool = False,
):
    """POST `body` to the cart's BFF with the right CSRF token (cookie and header, plus
    `headers`), to a fragment that answers 201: the answer and what reached the fragment."""
    token = "a" * 32

    async def scenario():
        async with serve({"/bff/cart/items": Reply(201, b"{}")}) as server:
            with_fragment(server.url)
            client = AsyncClient(enforce_csrf_checks=True)
            client.cookies["csrftoken"] = token
            response = await client.post(
                "/bff/cart/items", body, content_type=content_type,
                headers={"X-CSRFToken": token, **(headers or {})}, secure=secure,
            )  # fmt: skip
            return response, server.requests

    return run(scenario)


def test_post_with_csrf_token_is_relayed_with_its_body():
    response, requests = _write()
    assert response.status_code == 201
    assert requests[0][0] == "POST" and requests[0][3] == b'{"sku": "1"}'


@pytest.mark.parametrize(
    ("instances", "status", "detail"),
    [
        (None, 404, "no fragment named 'nope' is registered"),
        ((), 503, "fragment 'cart' has no live instance"),
        (("http://127.0.0.1:9",), 502, "fragment 'cart' could not be reached: ConnectError"),
    ],
)
def test_unroutable_requests_get_a_clear_error(instances, status, detail):
    async def scenario():
        if instances is not None:
            with_instances(instances)
        name = "nope" if instances is None else "cart"
        return await AsyncClient().get(f"/bff/{name}/items")

    response = run(scenario)
    assert response.status_code == status
    assert response.json() == {"detail": detail}


@override_settings(GATEWAY_TIMEOUT=0.2)
def test_a_fragment_that_does_not_answer_in_time_is_a_504():
    # The fragment never answers (a gate kept shut, not a delay a loaded machine might
    # outlast), so whichever of the relay's timeouts ends the wait, it is a 504. Real time:
    # Django's test client and httpx run over real sockets (and threads) that a virtual
    # clock cannot drive; the timeout's length changes only how long the test takes, and
    # the bound below is a failure's (a relay that never gave up), far past it.
    async def scenario():
        never = asyncio.Event()
        async with serve({"/bff/cart/slow": Reply(body=b"late", gate=never)}) as server:
            with_fragment(server.url)
            response = await asyncio.wait_for(AsyncClient().get("/bff/cart/slow"), 10)
            never.set()
            return response

    response = run(scenario)
    assert response.status_code == 504
    assert response.json() == {"detail": "fragment 'cart' did not answer in time"}


def test_assets_are_relayed_by_the_same_path():
    async def scenario():
        css = Reply(
            body=b".cart{}", headers={"Content-Type": "text/css", "Cache-Control": "max-age=1"}
        )
        async with serve({"/_assets/cart/cart.abc.css": css}) as server:
            with_fragment(server.url)
            return await AsyncClient().get("/_assets/cart/cart.abc.css")

    response = run(scenario)
    assert response.status_code == 200 and response.content == b".cart{}"
    assert response["Content-Type"] == "text/css"


def test_bff_requests_carry_a_signed_visitor_token_not_the_cookie():
    from tessera.runtime.visitor import verify_visitor

    async def scenario():
        async with serve({"/bff/cart/items": Reply(body=b"{}")}) as server:
            with_fragment(server.url)
            client = visiting("abcdefghijklmnop12")
            client.cookies["x"] = "1"
            await client.get("/bff/cart/items")
            await AsyncClient().get("/bff/cart/items")  # a visitor without the cookie
            forger = AsyncClient()
            forger.cookies["tessera_visitor"] = "abcdefghijklmnop12"  # unsigned: refused
            await forger.get("/bff/cart/items")
            return server.requests

    (_, _, with_cookie, _), (_, _, without, _), (_, _, forged, _) = run(scenario)
    token = with_cookie["x-tessera-visitor"]
    assert verify_visitor(token, b"unit-test-context-key", 0) == "abcdefghijklmnop12"
    assert "cookie" not in with_cookie
    assert "x-tessera-visitor" not in without
    assert "x-tessera-visitor" not in forged


def test_an_asset_of_another_version_is_found_on_its_instance():
    async def scenario():
        old_css = {"/_assets/cart/cart.old1.css": Reply(body=b".old{}")}
        async with serve({}) as new, serve(old_css) as old:
            # The new version serves pages; the old one is draining but still live.
            poller.current = Snapshot(Site.build([], {"cart": FragmentConfig(
                "cart", instances=(new.url,), standby_instances=(old.url,)
            )}))  # fmt: skip
            asset = await AsyncClient().get("/_assets/cart/cart.old1.css")
            missing = await AsyncClient().get("/_assets/cart/cart.none.css")
            bff = await AsyncClient().get("/bff/cart/old1")
            return asset, missing, bff, new.requests, old.requests

    asset, missing, bff, new_requests, old_requests = run(scenario)
    assert asset.status_code == 200 and asset.content == b".old{}"
    assert missing.status_code == 404
    assert bff.status_code == 404  # BFF calls go to the serving version only
    assert [r[1] for r in new_requests] == [
        "/_assets/cart/cart.old1.css", "/_assets/cart/cart.none.css", "/bff/cart/old1"
    ]  # fmt: skip
    assert [r[1] for r in old_requests] == [
        "/_assets/cart/cart.old1.css",
        "/_assets/cart/cart.none.css",
    ]


def test_bff_calls_of_a_canary_visitor_go_to_the_canary():
    from shell.engine.balance import in_canary

    async def scenario():
        async with (
            serve({"/bff/cart/v": Reply(body=b"stable")}) as stable,
            serve({"/bff/cart/v": Reply(body=b"canary")}) as canary,
        ):
            poller.current = Snapshot(Site.build([], {"cart": FragmentConfig(
                "cart", instances=(stable.url,), canary_instances=(canary.url,),
                canary_percent=50,
            )}))  # fmt: skip
            answers = {}
            for visitor in ("abcdefghijklmnop", "qrstuvwxyzabcdef", "0123456789abcdef"):
                client = visiting(visitor)
                answers[visitor] = {(await client.get("/bff/cart/v")).content for _ in range(3)}
            return answers

    for visitor, bodies in run(scenario).items():
        expected = b"canary" if in_canary("cart", visitor, 50) else b"stable"
        assert bodies == {expected}


def test_a_cookie_one_visitor_got_never_travels_with_another_visitors_request():
    async def scenario():
        fixation = Reply(body=b"{}", headers={"Set-Cookie": "tessera_visitor=fixated; Path=/"})
        async with serve({"/bff/cart/login": fixation, "/bff/cart/items": Reply()}) as server:
            with_fragment(server.url)
            first = await AsyncClient().get("/bff/cart/login")
            await AsyncClient().get("/bff/cart/items")  # someone else, later
            return first, server.requests

    first, requests = run(scenario)
    assert not first.cookies and "Set-Cookie" not in first
    assert "cookie" not in requests[1][2]


def test_a_fragment_sets_and_gets_only_its_configured_cookies_scoped_to_its_bff():
    async def scenario():
        # Several Set-Cookie lines (header names are case-insensitive; the dict needs three).
        answer = Reply(
            body=b"{}",
            headers={
                "Set-Cookie": "cart_pref=compact; Path=/; Domain=evil.example; Max-Age=60; "
                "HttpOnly",
                "set-cookie": "tessera_visitor=fixated; Path=/",
                "SET-COOKIE": "other=1",
            },
        )
        async with serve({"/bff/cart/prefs": answer}) as server:
            with_instances((server.url,), cookies=("cart_pref",))
            client = visiting("abcdefghijklmnop12")
            client.cookies["session"] = "secret"
            first = await client.get("/bff/cart/prefs")
            client.cookies["cart_pref"] = "compact"
            await client.get("/bff/cart/prefs")
            return first, server.requests

    first, requests = run(scenario)
    (cookie,) = first.cookies.values()
    assert (cookie.key, cookie.value, cookie["path"]) == ("cart_pref", "compact", "/bff/cart/")
    assert cookie["domain"] == "" and cookie["httponly"] and cookie["max-age"] == "60"
    assert "cookie" not in requests[0][2]
    assert requests[1][2]["cookie"] == "cart_pref=compact"


def test_the_query_string_goes_upstream_as_sent_and_an_empty_rest_is_relayed():
    async def scenario():
        async with serve({"/bff/cart/items": Reply(), "/bff/cart/": Reply()}) as server:
            with_fragment(server.url)
            await AsyncClient().get("/bff/cart/items?a=1&a=2&b=%C3%A9")
            root = await AsyncClient().get("/bff/cart/")
            return root, server.requests

    root, requests = run(scenario)
    assert root.status_code == 200
    assert [target for _, target, _, _ in requests] == [
        "/bff/cart/items?a=1&a=2&b=%C3%A9",
        "/bff/cart/",
    ]


def test_the_request_id_is_the_gateways_own_not_the_callers():
    async def scenario():
        async with serve({"/bff/cart/items": Reply()}) as server:
            with_fragment(server.url)
            response = await AsyncClient().get(
                "/bff/cart/items", headers={"X-Request-ID": "chosen-by-the-client"}
            )
            return response, server.requests

    response, ((_, _, headers, _),) = run(scenario)
    assert headers["x-request-id"] != "chosen-by-the-client"
    assert response["X-Request-ID"] == headers["x-request-id"]


def test_bff_answers_run_no_script_and_redirect_only_within_the_shop():
    async def scenario():
        routes = {
            "/bff/cart/html": Reply(body=b"<script>alert(1)</script>"),
            "/bff/cart/away": Reply(302, headers={"Location": "https://evil.example/"}),
            "/bff/cart/home": Reply(302, headers={"Location": "/cart"}),
            "/_assets/cart/x.svg": Reply(body=b"<svg onload=alert(1)>"),
        }
        async with serve(routes) as server:
            with_fragment(server.url)
            client = AsyncClient()
            answers = [await client.get(f"/bff/cart/{name}") for name in ("html", "away", "home")]
            return [*answers, await client.get("/_assets/cart/x.svg")]

    html, away, home, asset = run(scenario)
    assert asset["Content-Security-Policy"] == html["Content-Security-Policy"]
    assert "sandbox" in html["Content-Security-Policy"]
    assert "script-src" not in html["Content-Security-Policy"]  # default-src 'none' holds
    assert away.status_code == 502 and "Location" not in away
    assert home.status_code == 302 and home["Location"] == "/cart"


def test_a_failed_csrf_check_is_answered_in_json():
    async def scenario():
        with_fragment("http://127.0.0.1:9")
        return await AsyncClient(enforce_csrf_checks=True).post(
            "/bff/cart/items", {}, content_type="application/json"
        )

    response = run(scenario)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert "X-CSRFToken" in response.json()["detail"]
    assert response.json()["reason"] == "CSRF cookie not set."


@pytest.mark.parametrize(
    ("headers", "secure", "reason"),
    [
        ({"Origin": "http://evil.example"}, False, "Origin checking failed"),
        ({"Origin": "null"}, False, "Origin checking failed"),  # a sandboxed frame, a file
        ({"Origin": "https://evil.example"}, True, "Origin checking failed"),
        ({"Referer": "https://evil.example/cart"}, True, "Referer checking failed"),
        ({}, True, "Referer checking failed - no Referer."),  # HTTPS without Origin or Referer
    ],
)
def test_a_write_from_another_origin_is_told_so_even_with_the_right_token(headers, secure, reason):
    response, requests = _write(headers=headers, secure=secure)
    assert (response.status_code, requests) == (403, [])
    body = response.json()
    assert set(body) == {"detail", "reason"} and body["reason"].startswith(reason)
    # Not "send the token": it was sent, and right; the origin is what is wrong.
    assert body["detail"].startswith("CSRF check failed: this request's origin is not this shop's")
    assert "X-CSRFToken" not in body["detail"]


@pytest.mark.parametrize(
    ("cookie", "header", "reason"),
    [
        ("a" * 32, None, "CSRF token missing."),
        ("a" * 32, "b" * 32, "CSRF token from the 'X-Csrftoken' HTTP header incorrect."),
        (None, "a" * 32, "CSRF cookie not set."),
    ],
)
def test_a_write_from_the_shop_without_the_right_token_is_told_to_send_it(cookie, header, reason):
    async def scenario():
        with_fragment("http://127.0.0.1:9")
        client = AsyncClient(enforce_csrf_checks=True)
        if cookie is not None:
            client.cookies["csrftoken"] = cookie
        return await client.post(
            "/bff/cart/items",
            {},
            content_type="application/json",
            headers={"Origin": "http://testserver"} | ({"X-CSRFToken": header} if header else {}),
        )

    response = run(scenario)
    assert response.status_code == 403
    assert response.json() == {
        "detail": "CSRF check failed: send the csrftoken cookie's value in X-CSRFToken",
        "reason": reason,
    }


async def asgi_get(raw_path: bytes, query: bytes = b"") -> tuple[int, bytes]:
    """GET through the shell's Django app with a raw path, as uvicorn hands one over."""
    from urllib.parse import unquote

    from django.core.handlers.asgi import ASGIHandler

    sent = []
    messages = [{"type": "http.request", "body": b""}]

    async def receive():
        if messages:
            return messages.pop()
        await asyncio.sleep(3600)

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "method": "GET", "http_version": "1.1", "scheme": "http",
        "path": unquote(raw_path.decode("ascii")), "raw_path": raw_path, "query_string": query,
        "headers": [(b"host", b"127.0.0.1")], "server": ("127.0.0.1", 80), "client": None,
    }  # fmt: skip
    await ASGIHandler()(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


@pytest.mark.parametrize(
    "raw_path",
    [
        b"/bff/cart/..%2f..%2fhealthz",
        b"/bff/cart/..%2F..%2Fcarts%2Fsomeone-else",
        b"/bff/cart/%2e%2e/%2e%2e/healthz",
        b"/bff/cart/../../healthz",
        b"/bff/cart/items/%2e",
        b"/bff/cart/items%3fadmin=1",
        b"/bff/cart/items%23frag",
        b"/bff/cart/%252e%252e/healthz",  # escaped twice
        b"/bff/cart/a%5c..%5chealthz",
        b"/bff/cart/%01",
        b"/bff/%63art/items",  # the fragment's own name escaped
        b"/bff/%C3%A9/items",  # a name no fragment can have
        b"/_assets/%C3%A9/x.css",
        b"/_assets/cart/%2e%2e%2f%2e%2e%2fhealthz",
        b"/_assets/cart/../healthz",
    ],
)
def test_nothing_leaves_the_fragments_prefix(raw_path):
    async def scenario():
        async with serve({}) as server:
            with_fragment(server.url)
            status, body = await asgi_get(raw_path)
            return status, body, server.requests

    status, body, requests = run(scenario)
    assert status == 404, body
    assert requests == []


def test_a_plain_raw_path_and_its_escapes_go_upstream_unchanged():
    async def scenario():
        async with serve({"/bff/cart/items/SKU%201": Reply()}) as server:
            with_fragment(server.url)
            status, _ = await asgi_get(b"/bff/cart/items/SKU%201", b"q=%01&x=a b")
            return status, server.requests

    status, ((_, target, _, _),) = run(scenario)
    assert status == 200
    assert target == "/bff/cart/items/SKU%201?q=%01&x=a%20b"


@override_settings(GATEWAY_MAX_BODY_BYTES=1000)
def test_an_answer_larger_than_the_gateway_passes_on_is_a_502_not_held():
    async def scenario():
        routes = {
            "/bff/cart/big": Reply(body=b"x" * 1001),
            "/bff/cart/fits": Reply(body=b"x" * 1000),
        }
        async with serve(routes) as server:
            with_fragment(server.url)
            client = AsyncClient()
            return await client.get("/bff/cart/big"), await client.get("/bff/cart/fits")

    big, fits = run(scenario)
    assert big.status_code == 502 and "more than 1000 bytes" in big.json()["detail"]
    assert fits.status_code == 200 and len(fits.content) == 1000


def test_header_values_no_client_may_send_are_left_out_not_a_500():
    async def scenario():
        async with serve({"/bff/cart/items": Reply()}) as server:
            with_fragment(server.url)
            response = await AsyncClient().get(
                "/bff/cart/items",
                headers={"Accept-Language": "caf\xe9", "User-Agent": "ua\x01", "Accept": "a/b"},
            )
            return response, server.requests

    response, ((_, _, headers, _),) = run(scenario)
    assert response.status_code == 200
    assert headers["accept"] == "a/b"
    assert "accept-language" not in headers
    assert headers["user-agent"].startswith("python-httpx/")  # the client's own, not ua\x01


@pytest.mark.parametrize("timeout", [2.0, 0.2])
def test_a_bff_is_told_how_long_the_gateway_waits_for_it_whatever_the_browser_says(timeout):
    from shell.engine.context import NETWORK_MARGIN_MS

    async def scenario():
        async with serve({"/bff/cart/items": Reply()}) as server:
            with_fragment(server.url)
            await AsyncClient().get("/bff/cart/items", headers={"X-Tessera-Deadline-Ms": "1"})
            return server.requests

    with override_settings(GATEWAY_TIMEOUT=timeout):
        ((_, _, headers, _),) = run(scenario)
    # Less the margin for the way there and back; the browser's own value never goes on.
    assert headers["x-tessera-deadline-ms"] == str(round(timeout * 1000) - NETWORK_MARGIN_MS)


def test_a_relay_without_an_answer_is_logged_with_where_why_and_how_long(caplog):
    async def scenario():
        with_instances(("http://127.0.0.1:9",))  # nothing listens there
        return await AsyncClient().get("/bff/cart/items")

    with caplog.at_level(logging.WARNING, logger="tessera.gateway"):
        assert run(scenario).status_code == 502
    (failure,) = [r for r in caplog.records if r.name == "tessera.gateway"]
    assert failure.fragment == "cart" and failure.instance == "http://127.0.0.1:9"
    assert failure.error.startswith("ConnectError") and failure.duration_ms >= 0


#: The shell's own middleware, as it serves the gateway (the unit tests' settings are the
#: registry's).
AS_THE_SHELL = override_settings(
    MIDDLEWARE=["tessera.runtime.routes.route_names", *SHELL_MIDDLEWARE]
)


@AS_THE_SHELL
def test_a_multipart_write_with_the_token_is_relayed_whole_not_a_500():
    """The CSRF check parses a multipart body from the request's stream: read first, the
    body the relay passes on is still there."""
    body = b'--x\r\nContent-Disposition: form-data; name="sku"\r\n\r\nSKU-1\r\n--x--\r\n'
    response, requests = _write("multipart/form-data; boundary=x", body)
    assert response.status_code == 201
    assert requests[0][3] == body


@AS_THE_SHELL
@pytest.mark.parametrize(
    ("content_type", "body", "status", "detail"),
    [
        ("multipart/form-data", b"--x\r\n", 400, "multipart body cannot be read"),
        ("application/json", b"x" * (2_621_440 + 1), 413, "larger than the gateway takes"),
    ],
)
def test_a_write_whose_body_cannot_be_read_is_refused_in_json(content_type, body, status, detail):
    response, requests = _write(content_type, body)
    assert response.status_code == status and detail in response.json()["detail"]
    assert requests == []


def test_a_path_no_route_takes_is_a_json_404():
    """An encoded line break ends Django's patterns: the gateway's 404 is JSON all the same."""
    response = run(lambda: AsyncClient().get("/bff/cart/items/SKU-1%0A"))
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


IMMUTABLE = {"content-type": "text/css", "cache-control": "max-age=315360000, public, immutable"}


@pytest.mark.parametrize(
    ("cache_control", "kept"), [(IMMUTABLE["cache-control"], True), ("public, max-age=60", False)]
)
def test_an_immutable_asset_is_served_while_its_fragment_cannot_answer(cache_control, kept):
    """A page composed from a stale copy while the fragment is down still gets the copy's
    stylesheet: content-hashed, answered `immutable`, kept once relayed."""
    css = b".buybox{color:#111}"

    async def scenario():
        headers = {**IMMUTABLE, "cache-control": cache_control}
        async with serve({"/_assets/cart/cart.0a1b2c3d.css": Reply(200, css, headers)}) as server:
            with_fragment(server.url)
            first = await AsyncClient().get("/_assets/cart/cart.0a1b2c3d.css")
            asked = len(server.requests)
        with_instances(("http://127.0.0.1:9",))  # the fragment's service is gone
        later = await AsyncClient().get("/_assets/cart/cart.0a1b2c3d.css")
        return first, later, asked

    first, later, asked = run(scenario)
    assert (first.status_code, first.content, asked) == (200, css, 1)
    if kept:
        assert (later.status_code, later.content) == (200, css)
        assert later["content-type"] == "text/css" and later["cache-control"] == cache_control
        assert later["content-security-policy"] == first["content-security-policy"]
        assert len(later["x-request-id"]) == 32 and later["x-request-id"] != first["x-request-id"]
    else:  # it may change: asked for again, and the gone service is the answer
        assert later.status_code == 502


def test_the_asset_cache_is_bounded_by_bytes_least_recently_used_out_first():
    each = size_of("a", Kept((), bytes(90)))  # the body, its path and the entry's objects
    cache = AssetCache(max_bytes=10 * each)
    kept = {name: Kept((), bytes(90)) for name in "abcdefghijk"}  # 11: one too many
    for name, asset in kept.items():
        cache.keep("f", name, asset)
        if name == "b":
            assert cache.get("f", "a") is not None  # "a" used again: "b" is now the oldest
    assert cache.size <= 10 * each
    assert cache.get("f", "b") is None and cache.get("f", "a") is not None
    cache.keep("f", "big", Kept((), bytes(100)))  # over a tenth of the bound: not kept
    assert cache.get("f", "big") is None


def test_neither_a_head_nor_a_made_up_query_takes_an_assets_place():
    """A HEAD brings back no body and a query is the client's own: neither is kept, so no
    one can make every visitor's copy of a stylesheet empty or fill the shell's memory."""
    css = b".buybox{color:#111}"

    async def scenario():
        route = {"/_assets/cart/cart.0a1b2c3d.css": Reply(200, css, IMMUTABLE)}
        async with serve(route) as server:
            with_fragment(server.url)
            await AsyncClient().head("/_assets/cart/cart.0a1b2c3d.css")
            for n in range(3):
                await AsyncClient().get(f"/_assets/cart/cart.0a1b2c3d.css?q={n}")
            kept_then = len(assets)
            real = await AsyncClient().get("/_assets/cart/cart.0a1b2c3d.css")
            return kept_then, real

    kept_then, real = run(scenario)
    assert kept_then == 0
    assert (real.status_code, real.content) == (200, css)


def test_an_entrys_path_and_headers_count_against_the_bound_and_empty_bodies_are_not_kept():
    cache = AssetCache(max_bytes=10_000)
    cache.keep("f", "/empty", Kept((("content-type", "text/css"),), b""))
    assert len(cache) == 0
    cache.keep("f", "/a" + "x" * 500, Kept((("content-type", "text/css"),), b"body"))
    assert cache.size > 500  # not the four bytes of its body alone
