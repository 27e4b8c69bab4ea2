"""The browser's way to fragments' BFFs and assets: `/bff/<name>/...`, `/_assets/<name>/...`.

Both are path-preserving proxies to a live instance of the named fragment, chosen from the
registry snapshot. Only an allowlist of headers crosses in either direction: the browser's
cookies and credentials never reach a fragment, and a fragment cannot set cookies on the
storefront's origin through its BFF.
"""

from __future__ import annotations

import time

import httpx
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from shell.engine.balance import pick_instance
from shell.snapshot import poller
from tessera.visitor import VISITOR_HEADER, sign_visitor, visitor_from_cookies

#: Request headers passed from the browser to a fragment's BFF.
REQUEST_HEADERS = ("accept", "accept-language", "content-type", "user-agent", "x-request-id")
#: Response headers passed from the fragment back to the browser.
RESPONSE_HEADERS = (
    "content-type",
    "cache-control",
    "etag",
    "last-modified",
    "content-language",
    "vary",
    "location",
)

_client: httpx.AsyncClient | None = None


def _http() -> httpx.AsyncClient:
    global _client
    if _client is None:
        _client = httpx.AsyncClient(timeout=settings.GATEWAY_TIMEOUT, follow_redirects=False)
    return _client


async def close() -> None:
    global _client
    if _client is not None:
        await _client.aclose()
        _client = None


def _problem(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


async def relay(request: HttpRequest, fragment: str, rest: str) -> HttpResponse:
    """Relay this request, path unchanged, to an instance of `fragment`.

    The instance is the one the page's fragment came from (the visitor's side of a canary).
    A content-hashed asset may belong to another version than that instance's, e.g. on a page
    rendered just before a switch: asset requests answered 404 try the other live instances.
    """
    config = poller.current.fragments.get(fragment)
    if config is None:
        return _problem(404, f"no fragment named {fragment!r} is registered")
    # The BFF learns who the visitor is from a signed token, never from the cookie itself.
    visitor = visitor_from_cookies(request.headers.get("cookie", ""))
    base = pick_instance(config, visitor)
    if base is None:
        return _problem(503, f"fragment {fragment!r} has no live instance")
    headers = {k: v for k in REQUEST_HEADERS if (v := request.headers.get(k)) is not None}
    if visitor is not None:
        headers[VISITOR_HEADER] = sign_visitor(visitor, settings.CONTEXT_KEY.encode(), time.time())
    candidates = [base]
    if request.path.startswith("/_assets/") and request.method in ("GET", "HEAD"):
        candidates += [other for other in config.every_instance if other != base]
    for base in candidates:
        try:
            upstream = await _http().request(
                request.method or "GET",
                base + request.path,
                params=request.GET,
                content=request.body,
                headers=headers,
            )
        except httpx.TimeoutException:
            return _problem(504, f"fragment {fragment!r} did not answer in time")
        except httpx.HTTPError as exc:
            error = f"fragment {fragment!r} could not be reached: {type(exc).__name__}"
            upstream = None
            continue
        if upstream.status_code != 404:
            break
    if upstream is None:
        return _problem(502, error)
    response = HttpResponse(upstream.content, status=upstream.status_code)
    for name in RESPONSE_HEADERS:
        if name in upstream.headers:
            response[name] = upstream.headers[name]
    return response
