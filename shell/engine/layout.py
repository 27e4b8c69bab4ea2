"""Page layouts: Jinja2 templates, compiled once into parts and slots.

A layout is rendered a single time per language with markers where slots, the asset tags
and the title go, then split into a tuple of static strings and `Slot`/`Marker` parts.
Serving a page then only joins strings: no template rendering on the hot path. The shell's
own words in layouts (`{{ _("Skip to content") }}`, the error pages' text) come in the
page's language from the shell's catalog (`shell/locale/`), English where it has none.

Layouts come from the shell's own folder and, first, from the operator's
(`TESSERA_LAYOUTS_DIR`, see `use_folders`), so a new layout is a new file there, extending
the shell's `base.html` if it likes. `reload` forgets every compiled layout when a file
changed (shell/layouts_publisher.py watches the folders); `available` names the layouts
pages may use: every `.html` file but `base.html`, partials (`_*.html`) and the shell's
error pages (`<status>.html`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2
from django.templatetags.static import static
from django.utils import translation
from markupsafe import Markup

from tessera.runtime.contract import LAYOUT_NAME

#: The shell's own layouts: base.html, the error pages and the storefront's layouts.
LAYOUT_DIR = Path(__file__).resolve().parent.parent / "layouts"
#: Where layouts are looked up, first match wins (`use_folders`).
_folders: tuple[Path, ...] = (LAYOUT_DIR,)
#: What is not a layout a page may use (see `available`).
_NOT_A_LAYOUT = re.compile(r"base\.html|_.*|[0-9]{3}\.html")
_LAYOUT = re.compile(LAYOUT_NAME)

_MARK = "\x00"
_SPLIT = re.compile(f"{_MARK}(slot|marker):([A-Za-z0-9_-]+){_MARK}")


@dataclass(frozen=True)
class Slot:
    """A named place in a layout that holds an ordered list of fragments."""

    name: str


@dataclass(frozen=True)
class Marker:
    """A place filled per page: `title`, `description`, `assets`, `tail` (end of body) or
    `lang` (the page's language)."""

    name: str


Part = str | Slot | Marker


@dataclass(frozen=True)
class Layout:
    name: str
    parts: tuple[Part, ...]

    @property
    def slots(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parts if isinstance(p, Slot))


def use_folders(*folders: Path) -> None:
    """Look layouts up in `folders` first, then in the shell's own, and forget every layout
    compiled so far."""
    global _folders
    _folders = tuple(dict.fromkeys([*folders, LAYOUT_DIR]))
    reload()


def reload() -> None:
    """Forget every compiled layout: the next `load_layout` reads its files again."""
    _environment.cache_clear()
    load_layout.cache_clear()


def available() -> list[str]:
    """The layouts pages may use, by name, across the folders: files named as the contract
    names layouts (`home.html`; not `home.html#.html`, which would publish as another)."""
    names = {path.name for folder in _folders for path in folder.glob("*.html")}
    return sorted(
        name for name in names if _LAYOUT.fullmatch(name) and not _NOT_A_LAYOUT.fullmatch(name)
    )


def fingerprint() -> tuple[tuple[str, int, int], ...]:
    """What changes when a layout file is added, removed or written (names, times, sizes)."""
    entries = []
    for folder in _folders:
        for path in sorted(folder.glob("*.html")):
            try:
                stat = path.stat()
            except OSError:  # removed between the listing and now
                continue
            entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_folders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        translation.gettext, translation.ngettext, newstyle=True
    )
    env.globals["static"] = static
    return env


@cache
def load_layout(name: str, language: str = "en") -> Layout:
    """Compile layout template `name` (e.g. "home.html") into parts, its words in
    `language`."""
    with translation.override(language):
        rendered = _render(name)
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


def _render(name: str) -> str:
    """Layout `name` rendered with a marker for each slot and per-page place."""
    return (
        _environment()
        .get_template(name)
        .render(
            # Markers are the shell's own constants and slot names from its own templates.
            slot=lambda slot: Markup(f"{_MARK}slot:{slot}{_MARK}"),  # noqa: S704
            title=Markup(f"{_MARK}marker:title{_MARK}"),  # noqa: S704
            lang=Markup(f"{_MARK}marker:lang{_MARK}"),  # noqa: S704
            assets=Markup(f"{_MARK}marker:assets{_MARK}"),  # noqa: S704
            description=Markup(f"{_MARK}marker:description{_MARK}"),  # noqa: S704
            tail=Markup(f"{_MARK}marker:tail{_MARK}"),  # noqa: S704
        )
    )
