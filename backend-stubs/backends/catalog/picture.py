"""Product pictures: a Lucide icon of the product's kind, drawn in the product's colour.

The icon (from the `lucide` package's SVG files) sits on a soft tint of the colour, so a
picture says what the product is and which colour it comes in, and the shop downloads
nothing. Lucide's icons are strokes on a 24-unit grid; the picture is 240 by 200, the size
every fragment reserves for it, so nothing moves when it loads.
"""

from __future__ import annotations

from html import escape
from xml.etree import ElementTree

import lucide

WIDTH, HEIGHT = 240, 200
ICON_SIZE = 96  # the icon's drawn size, in picture units


def _rgb(colour: str) -> tuple[int, int, int]:
    """`#rrggbb` as three channels from 0 to 255; ValueError for anything else."""
    if len(colour) != 7 or colour[0] != "#":
        raise ValueError(f"{colour!r} is not a #rrggbb colour")
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(channel):02x}" for channel in rgb)


def mix(colour: str, other: str, amount: float) -> str:
    """`colour` moved `amount` (0 to 1) of the way towards `other`."""
    a, b = _rgb(colour), _rgb(other)
    return _hex(tuple(x + (y - x) * amount for x, y in zip(a, b, strict=True)))


def luminance(colour: str) -> float:
    """Relative luminance (WCAG 2), 0 for black to 1 for white."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ink(colour: str) -> str:
    """The colour the icon is drawn in: the product's own, darkened until it stands out
    from the pale tint behind it (cream and white products still get a visible outline)."""
    drawn = colour
    while luminance(drawn) > 0.3:
        drawn = mix(drawn, "#000000", 0.15)
    return drawn


def icon_body(name: str) -> str:
    """The drawing elements (paths, circles, ...) of Lucide's icon `name`, without its
    `<svg>` wrapper; lucide.IconDoesNotExist for an unknown name."""
    # The package's renderer (what its template tags call) reads the icon from its zip and
    # leaves out the SVG namespace, so the children serialise as plain inline elements.
    svg = ElementTree.fromstring(lucide._render_icon(name, None))  # noqa: S314 — the package's files
    for child in svg:
        child.tail = None  # the file's indentation
    return "".join(ElementTree.tostring(child, encoding="unicode") for child in svg)


def product_svg(label: str, icon: str, colour: str) -> str:
    """The picture of a product called `label`: Lucide's `icon` in `colour` (`#rrggbb`) on a
    tint of it, with a swatch of the colour itself in the corner."""
    drawn = ink(colour)
    scale = ICON_SIZE / 24
    x, y = (WIDTH - ICON_SIZE) / 2, (HEIGHT - ICON_SIZE) / 2
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}">'
        f'<rect width="{WIDTH}" height="{HEIGHT}" rx="16" fill="{mix(colour, "#ffffff", 0.84)}"/>'
        f'<circle cx="{WIDTH / 2:g}" cy="{HEIGHT / 2:g}" r="74" '
        f'fill="{mix(colour, "#ffffff", 0.7)}"/>'
        f'<g transform="translate({x:g} {y:g}) scale({scale:g})" fill="none" '
        f'stroke="{drawn}" stroke-width="1.6" stroke-linecap="round" '
        f'stroke-linejoin="round">{icon_body(icon)}</g>'
        f'<circle cx="{WIDTH - 26}" cy="26" r="11" fill="{colour}" stroke="{drawn}" '
        'stroke-width="1.5" stroke-opacity="0.4"/></svg>'
    )
