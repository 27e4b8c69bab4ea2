"""Resolving a page's fragments in parallel and joining them into the layout.

Each fragment resolves to an `Outcome`: its HTML when the fetch succeeded, otherwise its
fallback HTML (or nothing). A failed fragment never fails the page.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

from shell.engine.assets import Asset, asset_tags, parse_link_header
from shell.engine.config import FragmentConfig
from shell.engine.fetch import FetchError, Response, fetch
from shell.engine.layout import Layout, Marker, Slot


@dataclass(frozen=True)
class Outcome:
    """How one fragment of a page resolved."""

    name: str
    html: str
    ok: bool
    duration_ms: float
    assets: tuple[Asset, ...] = ()
    error: str = ""


def _content(response: Response) -> str:
    if response.status != 200:
        raise FetchError(f"status {response.status}")
    content_type = response.header(b"content-type") or ""
    if not content_type.startswith("text/html"):
        raise FetchError(f"content type {content_type or 'missing'!r} is not text/html")
    try:
        return response.body.decode("utf-8")
    except UnicodeDecodeError:
        raise FetchError("body is not valid UTF-8") from None


async def resolve(
    name: str,
    config: FragmentConfig | None,
    params: Mapping[str, str],
    headers: bytes,
) -> Outcome:
    """Fetch fragment `name` and return its outcome; never raises for a fragment failure."""
    started = time.perf_counter()

    def elapsed() -> float:
        return (time.perf_counter() - started) * 1000

    if config is None:
        return Outcome(name, "", False, 0.0, error="not registered or disabled")
    try:
        response = await fetch(config, config.path(params), headers)
        html = _content(response)
    except FetchError as exc:
        return Outcome(name, config.fallback_html, False, elapsed(), error=str(exc))
    assets = parse_link_header(response.header(b"link") or "")
    return Outcome(name, html, True, elapsed(), assets)


async def assemble(
    layout: Layout,
    slots: Mapping[str, tuple[str, ...]],
    fragments: Mapping[str, FragmentConfig],
    params: Mapping[str, str],
    headers: bytes,
    title: str,
) -> tuple[str, list[Outcome]]:
    """Fetch every fragment of the page in parallel and return the page HTML and outcomes."""
    names = [name for slot in layout.slots for name in slots.get(slot, ())]
    outcomes = await asyncio.gather(
        *(resolve(name, fragments.get(name), params, headers) for name in names)
    )
    by_name = dict(zip(names, outcomes, strict=True))
    html = []
    for part in layout.parts:
        if isinstance(part, str):
            html.append(part)
        elif isinstance(part, Slot):
            for name in slots.get(part.name, ()):
                html.append(f'<div data-fragment="{name}">{by_name[name].html}</div>')
        elif isinstance(part, Marker) and part.name == "title":
            html.append(escape(title))
        elif isinstance(part, Marker) and part.name == "assets":
            html.append(asset_tags(a for o in outcomes for a in o.assets))
    return "".join(html), list(outcomes)
