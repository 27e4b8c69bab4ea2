"""The ASGI page handler in front of Django."""

import asyncio
from types import MappingProxyType

from shell.engine import fetch
from shell.engine.config import FragmentConfig
from shell.engine.page import PageApp
from shell.engine.routing import Page, Router
from tests.httpserver import Reply, serve

PAGES = [Page("home", "/", "home.html", "Home", {"hero": ("hero",), "main": ("missing",)})]


async def call(app, method="GET", path="/"):
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": [(b"cookie", b"secret=1"), (b"accept-language", b"fr")],
    }
    sent = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    return sent


def test_page_routes_are_composed_and_other_requests_go_to_django():
    passed_on = []

    async def django(scope, receive, send):
        passed_on.append((scope["method"], scope["path"]))

    async def scenario():
        async with serve({"/fragment": Reply(body=b"<p>deals</p>")}) as server:
            fragments = MappingProxyType({"hero": FragmentConfig("hero", instances=(server.url,))})
            app = PageApp(Router(PAGES), lambda: fragments, django)
            page = await call(app)
            await call(app, path="/bff/x/y")
            await call(app, method="POST", path="/")
            await fetch.close()
            return page, server.requests

    (start, body), requests = asyncio.run(scenario())
    assert passed_on == [("GET", "/bff/x/y"), ("POST", "/")]
    headers = dict(start["headers"])
    assert start["status"] == 200
    assert len(headers[b"x-request-id"]) == 32
    assert headers[b"server-timing"].startswith(b"hero;dur=")
    assert b'missing;dur=0.0;desc="failed"' in headers[b"server-timing"]
    assert b'<div data-fragment="hero"><p>deals</p></div>' in body["body"]
    assert b'<div data-fragment="missing"></div>' in body["body"]
    # Cookies stay with the shell; allowlisted headers and the context go to the fragment.
    fragment_headers = requests[0][2]
    assert "cookie" not in fragment_headers
    assert fragment_headers["accept-language"] == "fr"
    assert fragment_headers["x-request-id"] == headers[b"x-request-id"].decode()
    assert fragment_headers["x-tessera-path"] == "/"
