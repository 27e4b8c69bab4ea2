"""The fragment endpoint of the contract: HTML, asset `Link`s, version, title, 404, and 503
when a backend the renderer could not do without failed (or its deadline left no time);
`Cache-Control`, `Vary` and `ETag` (304 to a matching `If-None-Match`) as the fragment's
`Caching` declares and its answer allows (fragments/kit/caching.py). Every answer is made in
the page's language (`x-tessera-locale`, fragments/kit/locale.py), so every cacheable one
varies on it: the shell's cache keeps a copy per language."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.templatetags.static import static
from django.utils import translation

from fragments.kit.backends import BackendError
from fragments.kit.caching import Caching, answering, etag, matches
from fragments.kit.fragment import Fragment, MovedTo, NotFound, Rendered
from fragments.kit.locale import LOCALE_HEADER, page_language

logger = logging.getLogger("tessera.fragment")

#: Left as is when percent-encoding text headers (readable, yet Latin-1 safe).
_TEXT_SAFE = " !'()*,-./:;?@_~"

View = Callable[..., Awaitable[HttpResponse]]


def fragment_view(fragment: Fragment, version: str) -> View:
    """The view serving `fragment` per the fragment contract."""
    links = ", ".join(
        [f'<{static(name)}>; rel="stylesheet"' for name in fragment.styles]
        + [f'<{static(name)}>; rel="script"' for name in fragment.scripts]
    )

    async def view(request: HttpRequest, **params: str) -> HttpResponse:
        with answering() as answer, translation.override(page_language(request)):
            response = await respond(request, params)
        response["Content-Type"] = "text/html; charset=utf-8"
        response["X-Fragment-Version"] = version
        return _cache_headers(request, response, fragment.caching, degraded=answer.degraded)

    async def respond(request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        try:
            rendered = await fragment.render(request, **params)
        except NotFound:
            response = HttpResponse(status=404)
        except MovedTo as moved:
            response = HttpResponse(status=301)
            response["Location"] = moved.location
        except BackendError as exc:
            # A renderer that degrades catches this itself; one that cannot (a product page
            # without its product) fails, plainly: the shell falls back, or for a primary
            # shows its 503 page. An answer, not a crash with a traceback.
            logger.warning("fragment failed: %s", exc, extra={"fragment": fragment.name})
            response = HttpResponse(b"a backend is unavailable", status=503)
            if exc.retry_after:
                response["Retry-After"] = exc.retry_after
        else:
            if isinstance(rendered, str):
                rendered = Rendered(rendered)
            response = HttpResponse(rendered.html)
            # Header values are Latin-1 on the wire: the contract percent-encodes UTF-8 text.
            if rendered.title:
                response["X-Page-Title"] = quote(rendered.title, safe=_TEXT_SAFE)
            if rendered.description:
                response["X-Page-Description"] = quote(rendered.description, safe=_TEXT_SAFE)
            if links:
                response["Link"] = links
        return response

    return view


#: What a 304 repeats of the answer it stands for (RFC 9110 15.4.5); the shell keeps the rest.
_NOT_MODIFIED_KEEPS = ("Cache-Control", "Vary", "ETag", "X-Fragment-Version")


def _cache_headers(
    request: HttpRequest, response: HttpResponse, caching: Caching | None, *, degraded: bool
) -> HttpResponse:
    """`response` with what the shell's cache needs to know, or a 304 standing for it.

    Only a full 200 that sets no cookie and lacks nothing (no backend failed while it was
    made) is cacheable; anything else is `no-store`, whatever the fragment declared and
    whatever the registry's cache settings say. A cacheable answer says what the declaration
    says (without one: nothing, and the registry's settings decide), varies on the page's
    language and what else the declaration names, and carries an ETag over everything the
    shell keeps of it, so a new version's assets are a new tag too.
    """
    if response.status_code != 200 or degraded or response.cookies:
        response["Cache-Control"] = "no-store"
        return response
    vary: tuple[str, ...] = ()
    if caching is not None:
        response["Cache-Control"] = caching.cache_control()
        if not caching.store:
            return response
        vary = caching.vary
    response["Vary"] = ", ".join(dict.fromkeys((LOCALE_HEADER, *vary)))
    tag = etag(
        response["X-Fragment-Version"],
        response.get("Link", ""),
        response.get("X-Page-Title", ""),
        response.get("X-Page-Description", ""),
        response.content,
    )
    response["ETag"] = tag
    if not matches(request.headers.get("If-None-Match"), tag):
        return response
    not_modified = HttpResponseNotModified()
    for name in _NOT_MODIFIED_KEEPS:
        if name in response:
            not_modified[name] = response[name]
    return not_modified
