"""The fragment endpoint of the contract: HTML, asset `Link`s, version, title, 404, and 503
when a backend the renderer could not do without failed (or its deadline left no time)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static

from fragments.kit.backends import BackendError
from fragments.kit.fragment import Fragment, NotFound, Rendered

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
        try:
            rendered = await fragment.render(request, **params)
        except NotFound:
            response = HttpResponse(status=404)
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
        response["Content-Type"] = "text/html; charset=utf-8"
        response["X-Fragment-Version"] = version
        return response

    return view
