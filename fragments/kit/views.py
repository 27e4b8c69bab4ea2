"""The fragment endpoint of the contract: HTML, asset `Link`s, version, title, 404."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static

from fragments.kit.fragment import Fragment, NotFound, Rendered

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
