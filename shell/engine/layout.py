"""Page layouts: Jinja2 templates owned by the shell, compiled once into parts and slots.

A layout is rendered a single time with markers where slots, the asset tags and the title
go, then split into a tuple of static strings and `Slot`/`Marker` parts. Serving a page
then only joins strings: no template rendering on the hot path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2
from django.templatetags.static import static
from markupsafe import Markup

LAYOUT_DIR = Path(__file__).resolve().parent.parent / "layouts"

_MARK = "\x00"
_SPLIT = re.compile(f"{_MARK}(slot|marker):([A-Za-z0-9_-]+){_MARK}")


@dataclass(frozen=True)
class Slot:
    """A named place in a layout that holds an ordered list of fragments."""

    name: str


@dataclass(frozen=True)
class Marker:
    """A place filled per page: `title`, `description`, `assets` or `tail` (end of body)."""

    name: str


Part = str | Slot | Marker


@dataclass(frozen=True)
class Layout:
    name: str
    parts: tuple[Part, ...]

    @property
    def slots(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parts if isinstance(p, Slot))


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(LAYOUT_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals["static"] = static
    return env


@cache
def load_layout(name: str) -> Layout:
    """Compile layout template `name` (e.g. "home.html") into parts."""
    rendered = (
        _environment()
        .get_template(name)
        .render(
            # Markers are the shell's own constants and slot names from its own templates.
            slot=lambda slot: Markup(f"{_MARK}slot:{slot}{_MARK}"),  # noqa: S704
            title=Markup(f"{_MARK}marker:title{_MARK}"),  # noqa: S704
            assets=Markup(f"{_MARK}marker:assets{_MARK}"),  # noqa: S704
            description=Markup(f"{_MARK}marker:description{_MARK}"),  # noqa: S704
            tail=Markup(f"{_MARK}marker:tail{_MARK}"),  # noqa: S704
        )
    )
    parts: list[Part] = []
    position = 0
    for match in _SPLIT.finditer(rendered):
        if match.start() > position:
            parts.append(rendered[position : match.start()])
        kind, slot_name = match.groups()
        parts.append(Slot(slot_name) if kind == "slot" else Marker(slot_name))
        position = match.end()
    if position < len(rendered):
        parts.append(rendered[position:])
    return Layout(name, tuple(parts))
