"""HTTP clients for the backend services a fragment's BFF calls (httpx, pooled).

Every call is capped by what is left of the caller's deadline (fragments/kit/deadline.py) as
well as by the clients' own timeout (`TESSERA_BACKEND_TIMEOUT`), whichever ends first, and
asks for the current language (`Accept-Language`: the page's for a fragment, the caller's
for a BFF, fragments/kit/locale.py), so a backend that speaks it (the catalog's names and
descriptions) answers in it. What a fragment makes of such an answer varies on the page's
language like everything else it renders; nothing the kit keeps is shared across languages.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import httpx
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router

from fragments.kit.caching import mark_degraded
from fragments.kit.deadline import remaining
from fragments.kit.locale import DEFAULT
from fragments.kit.params import SkuPath
from tessera.runtime.env import env_float, service_url
from tessera.runtime.openapi import problem
from tessera.runtime.tracing import outgoing

_clients: dict[str, httpx.AsyncClient] = {}
#: A path segment that stays one segment whatever parses it: unreserved characters only, and
#: not a dot segment ("." or "..", which httpx and proxies resolve against the path).
_SEGMENT = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,127}")
_SECONDS = re.compile(r"[0-9]{1,9}")
SVG = "image/svg+xml"


class BackendError(Exception):
    """A backend answered with an error (`status`, its `detail`) or could not be reached.

    The kit's clients raise it through `_failed`, which marks the fragment answer being made
    (if any) degraded: whatever the renderer makes of the failure is not to be cached.
    """

    def __init__(
        self,
        message: str,
        status: int | None = None,
        detail: Any = None,
        retry_after: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail
        self.retry_after = retry_after  # the backend's Retry-After, when it sent seconds


def _failed(error: BackendError) -> BackendError:
    """`error`, once the current fragment answer is marked degraded (fragments/kit/caching.py)."""
    mark_degraded()
    return error


def backend_path(*segments: str) -> str:
    """The backend path made of `segments`, e.g. `backend_path("carts", visitor, "items", sku)`.

    The one way a BFF or renderer puts an outside value into a backend URL: a segment with
    anything but unreserved characters, or a dot segment, is a ValueError rather than a path
    that could reach another resource (`../../carts/<someone else>`). Callers check values
    against their grammar first, so this is the last line, not the message to the browser.
    """
    for segment in segments:
        if not _SEGMENT.fullmatch(segment):
            raise ValueError(f"unsafe backend path segment {segment!r}")
    return "/" + "/".join(segments)


def backend(name: str) -> httpx.AsyncClient:
    """The shared client for backend `name`, created on first use."""
    client = _clients.get(name)
    if client is None:
        client = httpx.AsyncClient(
            base_url=service_url(name),
            timeout=env_float("TESSERA_BACKEND_TIMEOUT", 2.0),
            headers={"User-Agent": "tessera-fragment"},
        )
        _clients[name] = client
    return client


def _language() -> str:
    """The language backends are asked to answer in: the current one (Django's), its primary
    subtag only (`en-us` is `en`), the default when none is active."""
    return (get_language() or DEFAULT).split("-")[0].lower()


def _headers() -> dict[str, str]:
    """The headers of every backend call: the request's ids and the current language."""
    return {**outgoing(), "Accept-Language": _language()}


async def _send(name: str, method: str, path: str, **options: Any) -> httpx.Response:
    """Backend `name`'s answer to one request, whatever its status, within the deadline.

    The client's timeout bounds each step (connect, each read); what is left of the
    caller's deadline bounds the whole call, so a backend that drips its answer cannot
    outlast it either. With nothing left, the backend is not even asked. Raises BackendError
    when there is no answer.
    """
    left = remaining()
    if left is not None and left <= 0:
        raise _failed(BackendError(f"{name} {path}: no time left before the caller's deadline"))
    try:
        async with asyncio.timeout(left):
            # The request's ids go along (the backend's log lines join this request's), and
            # the language the answer is for.
            return await backend(name).request(method, path, headers=_headers(), **options)
    except TimeoutError as exc:
        message = f"{name} {path}: no answer before the caller's deadline"
        raise _failed(BackendError(message)) from exc
    except httpx.HTTPError as exc:
        raise _failed(BackendError(f"{name} {path}: {type(exc).__name__}: {exc}")) from exc


async def call(
    name: str, method: str, path: str, *, json: Any = None, params: dict | None = None
) -> Any:
    """Call backend `name` and return its JSON (None for an empty body).

    Raises BackendError on any failure, with the backend's status and detail when it answered;
    also when it did not answer before the caller's deadline (see `_send`).
    """
    response = await _send(
        name,
        method,
        path,
        json=json,
        params={k: v for k, v in (params or {}).items() if v is not None},
    )
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail")
        except (ValueError, AttributeError):
            detail = None
        retry_after = response.headers.get("retry-after", "")
        raise _failed(
            BackendError(
                f"{name} {method} {path}: HTTP {response.status_code}",
                response.status_code,
                detail,
                retry_after if _SECONDS.fullmatch(retry_after) else None,
            )
        )
    try:
        return response.json() if response.content else None
    except ValueError as exc:
        raise _failed(BackendError(f"{name} {path}: the answer is not JSON")) from exc


async def get_json(name: str, path: str, **params: object) -> Any:
    """GET `path` from backend `name` and return its JSON; BackendError on any failure."""
    return await call(name, "GET", path, params=params)


async def get_json_or(default: Any, name: str, path: str, **params: object) -> Any:
    """`get_json`, or `default` when the backend fails: for what a fragment can render
    without (a price, a count), so one slow backend does not fail the whole fragment."""
    try:
        return await get_json(name, path, **params)
    except BackendError:
        return default


#: A BFF's own words, in the current language, for a backend's refusal; None: it has none.
InWords = Callable[[BackendError], str | None]


def bff_error(exc: BackendError, unavailable: str, in_words: InWords | None = None) -> JsonResponse:
    """What a BFF answers the browser when its backend failed.

    The backend's 4xx (bad input, not found, too many) goes back with its status and its
    Retry-After, and its message: as is in English, the backends' language; in another, in
    the BFF's own words for it (`in_words`) where it has them. Anything else is a 502
    saying `unavailable` (in the current language), without the internals.
    """
    if exc.status is not None and 400 <= exc.status < 500:
        detail = exc.detail or _("the request was refused")
        if in_words is not None and get_language() != DEFAULT:
            detail = in_words(exc) or detail
        response = problem(exc.status, detail)
        if exc.retry_after is not None:
            response["Retry-After"] = exc.retry_after
        return response
    return problem(502, unavailable)


def add_image_relay(bff: Router, backend_name: str = "catalog") -> None:
    """Give `bff` `GET /images/{sku}.svg`: a product picture relayed from `backend_name`, so
    the browser loads pictures through this fragment's own BFF."""

    @bff.get(
        "/images/{sku}.svg",
        summary="A product picture",
        openapi_extra={"responses": {200: {"description": "SVG", "content": {SVG: {}}}}},
    )
    async def image(request: HttpRequest, sku: SkuPath) -> HttpResponse:
        try:
            response = await _send(backend_name, "GET", backend_path("products", sku, "image.svg"))
        except BackendError:
            return problem(502, _("pictures are unavailable right now"))
        if response.status_code == 404:
            return problem(404, _("there is no picture of %(sku)s") % {"sku": sku})
        if response.status_code != 200:
            return problem(502, _("pictures are unavailable right now"))
        relayed = HttpResponse(response.content, content_type=SVG)
        relayed["Cache-Control"] = "public, max-age=86400"
        return relayed


async def close_all() -> None:
    """Close every backend client (at shutdown)."""
    for client in _clients.values():
        await client.aclose()
    _clients.clear()
