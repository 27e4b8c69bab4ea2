"""The URLs every fragment service has: its fragment, its BFF, its static assets."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import path
from ninja import NinjaAPI

from fragments.kit.fragment import load

fragment = load(settings.FRAGMENT)

_links = ", ".join(
    [f'<{static(name)}>; rel="stylesheet"' for name in fragment.styles]
    + [f'<{static(name)}>; rel="script"' for name in fragment.scripts]
)


async def fragment_view(request: HttpRequest, **params: str) -> HttpResponse:
    """Serve the fragment's HTML with its asset `Link`s and version, per the contract."""
    response = HttpResponse(await fragment.render(request, **params))
    response["Content-Type"] = "text/html; charset=utf-8"
    response["X-Fragment-Version"] = settings.FRAGMENT_VERSION
    if _links:
        response["Link"] = _links
    return response


urlpatterns = [path(fragment.django_path(), fragment_view, name="fragment")]

if fragment.bff is not None:
    bff = NinjaAPI(
        title=f"{fragment.name} BFF",
        version=settings.FRAGMENT_VERSION,
        urls_namespace=f"{fragment.name}-bff",
    )
    bff.add_router("/", fragment.bff)
    urlpatterns.append(path(f"bff/{fragment.name}/", bff.urls))
