"""`/_fragment/<name>?<params>`: what the browser's retry of a failed fragment asks for.

A page whose fragment failed on the server names `/_fragment/<name>?<route params>` in a
placeholder; these tests take that very URL from a composed page and ask the shell for it,
so the placeholder and the endpoint cannot drift apart unnoticed.
"""

import asyncio
import html
import re
from types import MappingProxyType

from shell.engine import FragmentConfig, Page, PageApp, Site, close_connections
from shell.engine.context import NETWORK_MARGIN_MS
from tests.httpserver import Reply, serve

HTML = {"Content-Type": "text/html; charset=utf-8"}
PRODUCT = Page(
    "product",
    "/product/{sku}",
    "product.html",
    "Shop",
    {"header": ("header",), "product": ("product",), "buybox": ("buybox",)},
)
BUYBOX = Reply(
    body=b'<p class="buy">Add to cart</p>',
    headers={**HTML, "Link": "</_assets/buybox/b.js>; rel=script, </_assets/buybox/b.css>; "
             "rel=stylesheet, <https://evil.example/x.js>; rel=script"},
)  # fmt: skip


class Recorder:
    """An ASGI `send` that keeps what was sent."""

    def __init__(self) -> None:
        self.messages: list[dict] = []

    async def __call__(self, message) -> None:
        self.messages.append(message)

    @property
    def status(self) -> int:
        return self.messages[0]["status"]

    @property
    def headers(self) -> dict[str, str]:
        return {k.decode(): v.decode() for k, v in self.messages[0]["headers"]}

    @property
    def body(self) -> str:
        return b"".join(m.get("body", b"") for m in self.messages[1:]).decode()


async def never_disconnect():
    await asyncio.sleep(3600)


BUYBOX_TIMEOUT_MS = 700


def app_fragments(url: str, **buybox_changes) -> dict[str, FragmentConfig]:
    return {
        "header": FragmentConfig("header", "/header", instances=(url,)),
        "product": FragmentConfig("product", "/product/{sku}", primary=True, instances=(url,)),
        "buybox": FragmentConfig(
            "buybox",
            "/buybox/{sku}",
            timeout_ms=BUYBOX_TIMEOUT_MS,
            instances=(url,),
            **buybox_changes,
        ),
    }


def shell(url: str, **buybox_changes) -> PageApp:
    site = Site.build([PRODUCT], MappingProxyType(app_fragments(url, **buybox_changes)))

    async def django(scope, receive, send):
        raise AssertionError(f"{scope['path']} was not the shell's to answer")

    return PageApp(lambda: site, django, context_key=b"k" * 32, visitor_key=b"v" * 32)


async def get(app: PageApp, target: str, headers: list | None = None) -> Recorder:
    path, _, query = target.partition("?")
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(b"user-agent", b"test"), (b"cookie", b"secret=1"), *(headers or [])],
    }
    recorder = Recorder()
    await app(scope, never_disconnect, recorder)
    return recorder


def retry_urls(page: str) -> list[str]:
    """The URLs a page's placeholders ask the browser to fetch, as the browser reads them."""
    return [html.unescape(u) for u in re.findall(r'data-tessera-retry="([^"]*)"', page)]


def scenario(sku_path: str, sku_in_fragment_path: str):
    """Compose the product page while the buy box fails, then ask for its retry URL once the
    buy box works again."""

    async def run():
        routes = {
            "/header": Reply(body=b"<header>head</header>"),
            f"/product/{sku_in_fragment_path}": Reply(body=b"<h1>Kettle</h1>"),
            f"/buybox/{sku_in_fragment_path}": Reply(500, b"down"),
        }
        async with serve(routes) as server:
            app = shell(server.url)
            page = await get(app, sku_path)
            routes[f"/buybox/{sku_in_fragment_path}"] = BUYBOX  # the outage is over
            asked_before = len(server.requests)
            retries = [await get(app, url) for url in retry_urls(page.body)]
            fragment_requests = server.requests[asked_before:]
            await close_connections()
            return page, retries, fragment_requests

    return asyncio.run(run())


def test_the_url_a_failed_fragments_placeholder_names_serves_that_fragment_wrapped():
    page, retries, asked = scenario("/product/SKU-1", "SKU-1")
    assert page.status == 200
    assert retry_urls(page.body) == ["/_fragment/buybox?sku=SKU-1"]
    [retry] = retries
    assert retry.status == 200
    assert retry.headers["content-type"] == "text/html; charset=utf-8"
    assert retry.headers["cache-control"] == "no-store"
    nonce = re.search(r"'nonce-([0-9a-f]+)'", retry.headers["content-security-policy"])[1]
    # The fragment in its box, after its own assets (and only its own), the scripts carrying
    # this response's nonce so that they run where the browser puts them.
    assert retry.body == (
        f'<script type="module" nonce="{nonce}" src="/_assets/buybox/b.js"></script>\n'
        '<link rel="stylesheet" href="/_assets/buybox/b.css">'
        '<div data-fragment="buybox"><p class="buy">Add to cart</p></div>'
    )
    # One request, to the buy box, with the route parameter filled in: not the page again.
    [(method, target, headers, _)] = asked
    assert (method, target) == ("GET", "/buybox/SKU-1")
    assert "cookie" not in headers and headers["user-agent"] == "test"
    assert "x-tessera-visitor" in headers
    assert headers["x-request-id"] == retry.headers["x-request-id"]  # one id, logs joinable
    # Told its deadline, as on a page: its timeout less the network margin.
    assert headers["x-tessera-deadline-ms"] == str(BUYBOX_TIMEOUT_MS - NETWORK_MARGIN_MS)


def test_a_retry_keeps_a_parameter_that_needs_quoting_exactly():
    # "SKU 1&x" must reach the fragment as it reached it from the page, not cut at the "&".
    page, retries, asked = scenario("/product/SKU 1&x", "SKU%201%26x")
    assert retry_urls(page.body) == ["/_fragment/buybox?sku=SKU%201%26x"]
    assert [r.status for r in retries] == [200]
    assert [a[1] for a in asked] == ["/buybox/SKU%201%26x"]
    assert '<p class="buy">Add to cart</p>' in retries[0].body


def test_a_retry_that_fails_again_is_a_502_and_never_another_placeholder():
    async def run():
        routes = {"/buybox/SKU-1": Reply(500, b"still down")}
        async with serve(routes) as server:
            answer = await get(shell(server.url), "/_fragment/buybox?sku=SKU-1")
            await close_connections()
            return answer

    answer = asyncio.run(run())
    assert answer.status == 502
    assert answer.body == ""  # the retry script puts nothing in the page for it
    assert len(answer.headers["x-request-id"]) == 32
    assert_runs_nothing(answer)


def assert_runs_nothing(answer: Recorder) -> None:
    """An answer that is not the shell's markup: even opened as a page, nothing in it runs."""
    assert answer.headers["content-security-policy"] == (
        "default-src 'none'; frame-ancestors 'none'; sandbox"
    )
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_what_is_not_there_or_not_asked_for_properly_is_refused_plainly():
    async def run():
        async with serve({}) as server:
            app = shell(server.url)
            unknown = await get(app, "/_fragment/nope?sku=SKU-1")
            missing = await get(app, "/_fragment/buybox")
            await close_connections()
            return unknown, missing, server.requests

    unknown, missing, asked = asyncio.run(run())
    assert (unknown.status, missing.status) == (404, 400)
    for answer in (unknown, missing):
        assert_runs_nothing(answer)
    assert asked == []  # no fragment was bothered


def test_a_parameter_cannot_add_a_path_segment_to_the_fragments_path():
    async def run():
        async with serve({"/buybox/a%2Fb": BUYBOX}) as server:
            answer = await get(shell(server.url), "/_fragment/buybox?sku=a/b")
            await close_connections()
            return answer, [target for _, target, _, _ in server.requests]

    answer, asked = asyncio.run(run())
    assert asked == ["/buybox/a%2Fb"]  # one segment, as in the page's own fetch
    assert answer.status == 200


def test_a_retry_reaches_the_version_the_visitor_is_shown():
    # A canary taking every visitor: the retry must come from it, as the page's fetch would.
    async def run():
        stable_routes = {"/buybox/SKU-1": Reply(body=b"<p>stable</p>")}
        canary_routes = {"/buybox/SKU-1": Reply(body=b"<p>canary</p>")}
        async with serve(stable_routes) as stable, serve(canary_routes) as canary:
            app = shell(stable.url, canary_instances=(canary.url,), canary_percent=100)
            answer = await get(app, "/_fragment/buybox?sku=SKU-1")
            await close_connections()
            return answer, len(stable.requests), len(canary.requests)

    answer, to_stable, to_canary = asyncio.run(run())
    assert (to_stable, to_canary) == (0, 1)
    assert answer.body == '<div data-fragment="buybox"><p>canary</p></div>'


def test_a_refusal_in_the_admins_preview_frame_may_be_framed_and_says_why():
    """The preview opens /_fragment in an iframe: a 404 that forbade framing showed the
    browser's broken-frame icon and nothing else."""

    async def run():
        routes = {"/buybox/SKU-404": Reply(404, b"")}
        async with serve(routes) as server:
            app = shell(server.url)
            framed = {"headers": [(b"sec-fetch-dest", b"iframe")]}
            missing = await get(app, "/_fragment/buybox?sku=SKU-404", **framed)
            unknown = await get(app, "/_fragment/nope?sku=SKU-1", **framed)
            fetched = await get(app, "/_fragment/buybox?sku=SKU-404")  # not framed
            await close_connections()
            return missing, unknown, fetched

    missing, unknown, fetched = asyncio.run(run())
    assert (missing.status, missing.body) == (404, "buybox: nothing for these parameters (404)")
    assert unknown.status == 404 and unknown.body == "no such fragment"
    for answer in (missing, unknown):
        policy = answer.headers["content-security-policy"]
        assert policy == "default-src 'none'; frame-ancestors 'self'; sandbox"  # runs nothing
    assert fetched.body == ""  # the browser retry's fetch: nothing to put in the page
    assert_runs_nothing(fetched)
