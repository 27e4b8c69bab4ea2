"""The demo catalog: deterministic, so every machine seeds the same shop.

Ten products per category, each of a kind (kinds.py) in a named colour, described and
specified for its kind and pictured with its kind's icon in its colour (picture.py).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from backends.catalog.kinds import ADJECTIVE_LINES, COLOURS, KINDS
from backends.catalog.picture import product_svg


@dataclass(frozen=True)
class DemoCategory:
    name: str
    icon: str  # a Lucide icon name, for the category's entry point
    kinds: tuple[str, ...]  # the kinds of product it sells, names in KINDS


CATEGORIES: dict[str, DemoCategory] = {
    "kitchen": DemoCategory(
        "Kitchen", "chef-hat", ("Kettle", "Chef's Knife", "Skillet", "Teapot", "Mixing Bowl")
    ),
    "books": DemoCategory(
        "Books", "library-big", ("Novel", "Cookbook", "Atlas", "Field Guide", "Poetry Book")
    ),
    "outdoors": DemoCategory(
        "Outdoors", "tent-tree", ("Tent", "Backpack", "Headlamp", "Trail Bottle", "Hammock")
    ),
    "electronics": DemoCategory(
        "Electronics", "cpu", ("Headphones", "Speaker", "Charger", "E-Reader", "Keyboard")
    ),
    "home": DemoCategory(
        "Home", "house", ("Lamp", "Throw Blanket", "Vase", "Wall Clock", "Cushion")
    ),
    "toys": DemoCategory(
        "Toys", "toy-brick", ("Puzzle", "Kite", "Building Set", "Plush Fox", "Board Game")
    ),
}
#: How a product's material and colour are said, per category (books have formats and covers).
FINISHES: dict[str, tuple[str, ...]] = {
    "books": (
        "This edition is a {material} with a {colour} cover.",
        "Published as a {material}, its cover in {colour}.",
    ),
    "electronics": (
        "The body is {material}, finished in {colour}.",
        "Made of {material}, in {colour}.",
    ),
}
DEFAULT_FINISHES = ("Made of {material}, in {colour}.", "This one is {material} in {colour}.")
#: The first word of each product's name, in the order names are made from (stable: other
#: tests and links know products by name, e.g. SKU-1041 is the Nordic Lamp).
ADJECTIVES = (
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
)


@dataclass(frozen=True)
class DemoProduct:
    sku: str
    name: str
    category: str
    kind: str  # its name in KINDS
    colour: str  # its name in COLOURS
    description: str
    attributes: dict[str, str]
    image_svg: str


def _describe(
    slug: str, kind: str, adjective: str, variant: int, rng: random.Random
) -> tuple[str, dict[str, str], str]:
    """A product's description and specifications, and the name of its colour."""
    spec = KINDS[kind]
    material, colour = rng.choice(spec.materials), rng.choice(spec.colours)
    finish = rng.choice(FINISHES.get(slug, DEFAULT_FINISHES))
    description = " ".join(
        (
            spec.pitches[variant],
            finish.format(material=material, colour=colour.lower()),
            ADJECTIVE_LINES[adjective],
        )
    )
    # Capitalised as a value on its own, keeping names as they are ("German steel").
    attributes = {spec.material_label: material[0].upper() + material[1:], "colour": colour}
    attributes.update({name: rng.choice(values) for name, values in spec.specs.items()})
    return description, attributes, colour


def demo_products(per_category: int = 10) -> Iterator[DemoProduct]:
    """`per_category` products for each of the six categories, always the same ones."""
    rng = random.Random(42)
    number = 1000
    for slug, category in CATEGORIES.items():
        for i in range(per_category):
            number += 1
            kind = category.kinds[i % len(category.kinds)]
            adjective = ADJECTIVES[(i * 3 + len(slug)) % len(ADJECTIVES)]
            variant = (i // len(category.kinds)) % 2  # the second of a kind reads differently
            description, attributes, colour = _describe(slug, kind, adjective, variant, rng)
            name = f"{adjective} {kind}"
            yield DemoProduct(
                sku=f"SKU-{number}",
                name=name,
                category=slug,
                kind=kind,
                colour=colour,
                description=description,
                attributes=attributes,
                image_svg=product_svg(name, KINDS[kind].icon, COLOURS[colour]),
            )
