"""Relaying one browser request to a live instance of the named fragment.

Only an allowlist of headers crosses in either direction. The browser's cookies and
credentials never reach a fragment, and a fragment sets no cookie on the storefront's origin,
but for the names it is configured with (see `shell/engine/cookies.py`). The relay keeps no
state between requests: its HTTP client has no cookie jar, so nothing one visitor's request
brought back can travel with another's.
"""

from __future__ import annotations

import logging
import re
import time
from http.cookiejar import CookieJar
from typing import NamedTuple

import httpx
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from shell import languages
from shell.engine import fragment_cookie_header, pick_instance, scoped_set_cookies
from shell.engine.context import budget_ms
from shell.gateway.assets import Kept, assets, immutable
from shell.gateway.target import upstream_target
from shell.policy import response_policy
from shell.snapshot import poller
from tessera.runtime.contract import DEADLINE_HEADER
from tessera.runtime.jsonlog import failure
from tessera.runtime.problem import problem
from tessera.runtime.tracing import SCOPE_KEY, begin
from tessera.runtime.visitor import VISITOR_HEADER, sign_visitor, visitor_from_cookies

logger = logging.getLogger("tessera.gateway")

#: Request headers passed from the browser to a fragment's BFF.
REQUEST_HEADERS = ("accept", "accept-language", "content-type", "user-agent")
#: Response headers passed from the fragment back to the browser.
RESPONSE_HEADERS = (
    "content-type",
    "cache-control",
    "etag",
    "last-modified",
    "content-language",
    "vary",
    "location",
    "retry-after",
)


class _NoCookies(CookieJar):
    """A cookie jar that keeps nothing: the gateway's client is shared by every visitor."""

    def extract_cookies(self, response, request) -> None:  # type: ignore[no-untyped-def]
        return None

    def set_cookie(self, cookie) -> None:  # type: ignore[no-untyped-def]
        return None


#: A header value that goes on as it is: printable ASCII and tabs (anything else, a control or
#: a Latin-1 byte, is not a value an HTTP client may send: the header is left out).
_PASSABLE = re.compile(r"[\t -~]*")

_client: httpx.AsyncClient | None = None


def _http() -> httpx.AsyncClient:
    global _client
    if _client is None:
        _client = httpx.AsyncClient(
            timeout=settings.GATEWAY_TIMEOUT, follow_redirects=False, cookies=_NoCookies()
        )
    return _client


async def close() -> None:
    """Close the relay's connections (at shutdown)."""
    global _client
    if _client is not None:
        await _client.aclose()
        _client = None


class AnswerTooLarge(Exception):
    """A fragment's answer is larger than the gateway passes on."""

    def __str__(self) -> str:
        return f"more than {settings.GATEWAY_MAX_BODY_BYTES} bytes"


def _failed(fragment: str, instance: str, error: Exception, started: float) -> None:
    """Log a relay that got no answer to pass on: what, where, why and after how long."""
    logger.warning(
        "gateway: fragment %s failed",
        fragment,
        extra=failure(error, started, fragment=fragment, instance=instance),
    )


class Answer(NamedTuple):
    status_code: int
    headers: httpx.Headers
    content: bytes


async def _exchange(request: HttpRequest, url: str, headers: dict[str, str], cap: int) -> Answer:
    """The fragment's whole answer to this request at `url`, decoded, read no further than
    `cap` bytes: a fragment cannot make the shell hold an endless (or inflating) body."""
    method = request.method or "GET"
    async with _http().stream(method, url, content=request.body, headers=headers) as upstream:
        body = bytearray()
        async for chunk in upstream.aiter_bytes():
            body += chunk
            if len(body) > cap:
                raise AnswerTooLarge
        return Answer(upstream.status_code, upstream.headers, bytes(body))


async def relay(request: HttpRequest, fragment: str, rest: str = "") -> HttpResponse:
    """Relay this request, raw path unchanged, to an instance of `fragment`.

    The instance is the one the page's fragment came from (the visitor's side of a canary).
    A content-hashed asset may belong to another version than that instance's, e.g. on a page
    rendered just before a switch: asset requests answered 404 try the other live instances.
    """
    kind = "_assets" if request.path.startswith("/_assets/") else "bff"
    scope = request.scope  # type: ignore[attr-defined]
    query = scope.get("query_string", b"")  # as sent: repeated parameters and all
    target = upstream_target(
        scope.get("raw_path"),
        request.path,
        f"/{kind}/{fragment}/",
        query.encode("latin-1") if isinstance(query, str) else query,
    )
    if target is None:
        return problem(404, "no such path")
    config = poller.current.fragments.get(fragment)
    if config is None:
        return problem(404, f"no fragment named {fragment!r} is registered")
    # The request's ids (ServiceApp's; the caller's X-Request-ID kept only behind a proxy
    # trusted to set it): the BFF's span is a child of this one.
    hop = scope.get(SCOPE_KEY) or begin(scope["headers"], trust_request_id=False)
    hop.route = f"{kind} {fragment}"  # a registered name: no label a client could mint
    asset = kind == "_assets" and request.method in ("GET", "HEAD")
    if asset and (kept := assets.get(fragment, target)) is not None:
        return _answer(kept.body, 200, kept.headers, hop.request_id)
    # The BFF learns who the visitor is from a signed token, never from the cookie itself.
    browser_cookies = request.headers.get("cookie", "")
    visitor = visitor_from_cookies(browser_cookies, settings.VISITOR_KEY.encode())
    base = pick_instance(config, visitor)
    if base is None:
        return problem(503, f"fragment {fragment!r} has no live instance")
    headers = {
        name: value
        for name in REQUEST_HEADERS
        if (value := request.headers.get(name)) is not None and _PASSABLE.fullmatch(value)
    }
    headers["x-request-id"] = hop.request_id
    headers["traceparent"] = hop.traceparent
    # The page's language, as its fragments got it: a BFF's messages are in it too.
    headers["x-tessera-locale"] = languages.locales.choose(
        request.headers.get("accept-language"), browser_cookies or None
    )
    # The BFF learns how long the relay waits for its answer (GATEWAY_TIMEOUT, from when the
    # request is sent: every attempt below has all of it), so that it caps its backend calls
    # by that and answers what it can instead of the browser getting a 504 (see
    # fragments/kit/deadline.py).
    headers[DEADLINE_HEADER] = str(budget_ms(round(settings.GATEWAY_TIMEOUT * 1000)))
    if visitor is not None:
        headers[VISITOR_HEADER] = sign_visitor(visitor, settings.CONTEXT_KEY.encode(), time.time())
    own_cookies = kind == "bff" and config.cookies
    if own_cookies and (cookie := fragment_cookie_header(browser_cookies, config.cookies)):
        headers["cookie"] = cookie
    candidates = [base]
    if asset:
        candidates += [other for other in config.every_instance if other != base]
    cap = settings.GATEWAY_MAX_BODY_BYTES
    upstream = None
    for base in candidates:
        started = time.monotonic()
        try:
            upstream = await _exchange(request, base + target, headers, cap)
        except httpx.TimeoutException as exc:
            _failed(fragment, base, exc, started)
            return problem(504, f"fragment {fragment!r} did not answer in time")
        except AnswerTooLarge as exc:
            _failed(fragment, base, exc, started)
            return problem(502, f"fragment {fragment!r} answered more than {cap} bytes")
        except httpx.HTTPError as exc:
            _failed(fragment, base, exc, started)
            error = f"fragment {fragment!r} could not be reached: {type(exc).__name__}"
            continue
        if upstream.status_code != 404:
            break
    if upstream is None:
        return problem(502, error)
    passed = tuple(
        (name, upstream.headers[name]) for name in RESPONSE_HEADERS if name in upstream.headers
    )
    if (
        asset
        and request.method == "GET"  # a HEAD's answer has no body to keep
        and "?" not in target  # a hashed name needs no query: a client's would be its own
        and upstream.status_code == 200
        and immutable(upstream.headers.get("cache-control", ""))
    ):
        assets.keep(fragment, target, Kept(passed, upstream.content))
    response = _answer(upstream.content, upstream.status_code, passed, hop.request_id)
    if "location" in upstream.headers:
        location = response_policy().redirect(upstream.headers["location"])
        if location is None:
            return problem(502, f"fragment {fragment!r} redirected outside the shop")
        response["location"] = location
    if own_cookies:
        for cookie in scoped_set_cookies(
            upstream.headers.get_list("set-cookie"), fragment, config.cookies, secure=settings.HTTPS
        ):
            response.cookies[cookie.key] = cookie
    return response


def _answer(
    body: bytes, status: int, headers: tuple[tuple[str, str], ...], request_id: str
) -> HttpResponse:
    """The browser's answer: a fragment's status, body and passable headers, with the
    request's id and the headers that keep anything in it from running."""
    response = HttpResponse(body, status=status)
    for name, value in headers:
        response[name] = value
    response["x-request-id"] = request_id
    # A BFF's answer is data and an asset a stylesheet or module: should either be opened as
    # a document (an HTML or SVG file), nothing in it runs on the shop's origin.
    for name, value in response_policy().plain_headers():
        response[name.decode()] = value.decode()
    return response
