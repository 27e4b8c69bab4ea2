"""What a fragment service declares: its name, path, renderer, assets, BFF and caching.

A fragment module builds one `Fragment`; the kit turns it into a whole service (settings,
URLs, static files, health, registration). Nothing else about the service is the fragment
team's concern.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import import_module

from ninja import Router

from fragments.kit.caching import Caching
from fragments.kit.locale import localize
from tessera.runtime.contract import PLACEHOLDER


@dataclass(frozen=True)
class Rendered:
    """A fragment's HTML plus what a primary fragment may tell the page."""

    html: str
    title: str = ""  # the page title (sent as X-Page-Title)
    description: str = ""  # the page's meta description (X-Page-Description)


class NotFound(Exception):
    """Raised by a renderer when what the URL names does not exist (a primary's page 404s)."""


class MovedTo(Exception):
    """Raised by a primary's renderer when what the URL names lives at another path of the
    shop, its canonical one (`sku-1001` is `SKU-1001`): the page redirects there (301)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


Renderer = Callable[..., Awaitable[str | Rendered]]


@dataclass(frozen=True)
class Fragment:
    """A fragment service's contract with the kit."""

    name: str
    render: Renderer  # async (request, **path params) -> HTML; query params in request.GET
    path: str = "/fragment"  # path template, `{param}` placeholders filled by the shell
    styles: tuple[str, ...] = ()  # static file names announced as rel=stylesheet
    scripts: tuple[str, ...] = ()  # ES modules announced as rel=script
    bff: Router | None = None  # served at /bff/<name>/, answering in the caller's language
    timeout_ms: int = 1000  # the default deadline the shell gives it
    # What the shell's cache may do with its normal answers (fragments/kit/caching.py);
    # None says nothing: the registry's cache settings decide. Error and degraded answers
    # are `no-store` whatever this says.
    caching: Caching | None = None
    # How it is first registered; operators may change these in the registry afterwards.
    primary: bool = False  # decides the page's status and title
    is_async: bool = False  # below the fold: streamed after the rest of the page
    owner: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        if self.bff is not None:
            localize(self.bff)  # its answers in the caller's language, as the fragment's

    def django_path(self) -> str:
        """The path template as a Django URL pattern (`/fragment/{sku}` -> `fragment/<str:sku>`).

        A query part (`?q={q}`) is not part of the pattern: the renderer reads request.GET.
        """
        return PLACEHOLDER.sub(r"<str:\1>", self.path.partition("?")[0].lstrip("/"))


def load(name: str) -> Fragment:
    """The `Fragment` declared by `fragments.<name>.fragment`."""
    fragment = import_module(f"fragments.{name}.fragment").fragment
    if fragment.name != name:
        raise RuntimeError(f"fragments.{name} declares a fragment named {fragment.name!r}")
    return fragment
