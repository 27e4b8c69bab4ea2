"""The generated demo catalog: deterministic, so every machine seeds the same shop."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape

CATEGORIES: dict[str, tuple[str, str, list[str]]] = {
    # slug: (name, colour, product nouns)
    "kitchen": (
        "Kitchen",
        "#e76f51",
        ["Kettle", "Chef's Knife", "Skillet", "Teapot", "Mixing Bowl"],
    ),
    "books": ("Books", "#2a9d8f", ["Novel", "Cookbook", "Atlas", "Field Guide", "Poetry Book"]),
    "outdoors": (
        "Outdoors",
        "#588157",
        ["Tent", "Backpack", "Headlamp", "Trail Bottle", "Hammock"],
    ),
    "electronics": (
        "Electronics",
        "#457b9d",
        ["Headphones", "Speaker", "Charger", "E-Reader", "Keyboard"],
    ),
    "home": ("Home", "#bc6c25", ["Lamp", "Throw Blanket", "Vase", "Wall Clock", "Cushion"]),
    "toys": ("Toys", "#9b5de5", ["Puzzle", "Kite", "Building Set", "Plush Fox", "Board Game"]),
}
ADJECTIVES = [
    "Classic",
    "Compact",
    "Deluxe",
    "Everyday",
    "Nordic",
    "Studio",
    "Trail",
    "Urban",
    "Vintage",
    "Bright",
]
MATERIALS = ["oak", "steel", "cotton", "recycled plastic", "ceramic", "linen", "aluminium", "wool"]


@dataclass(frozen=True)
class DemoProduct:
    sku: str
    name: str
    category: str
    description: str
    attributes: dict[str, str]
    image_svg: str


def product_svg(name: str, colour: str, seed: int) -> str:
    """A small generated product picture, so the demo shop downloads nothing."""
    rng = random.Random(seed)
    shapes = []
    for _ in range(3):
        x, y, r = rng.randint(40, 200), rng.randint(40, 160), rng.randint(18, 46)
        shapes.append(f'<circle cx="{x}" cy="{y}" r="{r}" fill="#ffffff" fill-opacity="0.25"/>')
    initials = "".join(word[0] for word in name.split()[:2]).upper()
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 200" role="img" '
        f'aria-label="{escape(name)}"><rect width="240" height="200" rx="16" fill="{colour}"/>'
        + "".join(shapes)
        + '<text x="120" y="118" font-family="sans-serif" font-size="56" font-weight="700" '
        f'text-anchor="middle" fill="#ffffff">{escape(initials)}</text></svg>'
    )


def demo_products(per_category: int = 10) -> Iterator[DemoProduct]:
    """`per_category` products for each of the six categories, always the same ones."""
    rng = random.Random(42)
    number = 1000
    for slug, (_, colour, nouns) in CATEGORIES.items():
        for i in range(per_category):
            number += 1
            noun = nouns[i % len(nouns)]
            adjective = ADJECTIVES[(i * 3 + len(slug)) % len(ADJECTIVES)]
            material = rng.choice(MATERIALS)
            quality = rng.choice(["design", "comfort", "value", "finish"])
            name = f"{adjective} {noun}"
            yield DemoProduct(
                sku=f"SKU-{number}",
                name=name,
                category=slug,
                description=(
                    f"The {name.lower()} is made of {material} and built to last. "
                    f"A favourite in {slug} for its {quality}."
                ),
                attributes={"material": material, "colour": colour},
                image_svg=product_svg(name, colour, number),
            )
