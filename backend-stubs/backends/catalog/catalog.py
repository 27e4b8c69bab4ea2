"""The demo catalog: deterministic, so every machine seeds the same shop.

Ten products per category, each of a kind (kinds.py) in a named colour, described and
specified for its kind and pictured with its kind's icon in its colour (picture.py). Every
product and category is said in English (its own fields) and in Korean (its `translations`,
korean.py): the same choices in each language, the English ones as they always were.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from backends.catalog import korean
from backends.catalog.kinds import ADJECTIVE_LINES, COLOURS, KINDS
from backends.catalog.picture import product_svg

#: A product's or category's texts in other languages than English: language -> field -> text
#: (for a product: name, description, attributes), as the catalog stores them.
Translations = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class DemoCategory:
    name: str
    icon: str  # a Lucide icon name, for the category's entry point
    kinds: tuple[str, ...]  # the kinds of product it sells, names in KINDS

    def translations(self, slug: str) -> Translations:
        """The category's name in the catalog's other languages."""
        return {korean.LANGUAGE: {"name": korean.CATEGORY_NAMES[slug]}}


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
        "Home & Living", "house", ("Lamp", "Throw Blanket", "Vase", "Wall Clock", "Cushion")
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
    translations: Translations  # name, description and attributes in other languages


def _describe(
    slug: str, kind: str, adjective: str, variant: int, rng: random.Random
) -> tuple[str, dict[str, str], str, dict[str, Any]]:
    """A product's description and specifications, the name of its colour, and its
    description and specifications in Korean (the same choices, said the Korean way)."""
    spec = KINDS[kind]
    material, colour = rng.choice(spec.materials), rng.choice(spec.colours)
    finishes = FINISHES.get(slug, DEFAULT_FINISHES)
    finish = rng.choice(finishes)
    description = " ".join(
        (
            spec.pitches[variant],
            finish.format(material=material, colour=colour.lower()),
            ADJECTIVE_LINES[adjective],
        )
    )
    # Capitalised as a value on its own, keeping names as they are ("German steel").
    attributes = {spec.material_label: material[0].upper() + material[1:], "colour": colour}
    chosen = {name: rng.choice(values) for name, values in spec.specs.items()}
    attributes.update(chosen)
    material_ko, colour_ko = korean.MATERIALS[material], korean.COLOURS[colour]
    finish_ko = korean.FINISHES.get(slug, korean.DEFAULT_FINISHES)[finishes.index(finish)]
    labels = korean.SPEC_LABELS
    in_korean = {
        "description": " ".join(
            (
                korean.KINDS[kind][1][variant],
                finish_ko.format(material=material_ko, colour=colour_ko),
                korean.ADJECTIVE_LINES[adjective],
            )
        ),
        "attributes": {
            labels[spec.material_label]: material_ko,
            labels["colour"]: colour_ko,
            **{labels[name]: korean.spec_value(value) for name, value in chosen.items()},
        },
    }
    return description, attributes, colour, in_korean


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
            description, attributes, colour, in_korean = _describe(
                slug, kind, adjective, variant, rng
            )
            name = f"{adjective} {kind}"
            in_korean["name"] = f"{korean.ADJECTIVES[adjective]} {korean.KINDS[kind][0]}"
            yield DemoProduct(
                sku=f"SKU-{number}",
                name=name,
                category=slug,
                kind=kind,
                colour=colour,
                description=description,
                attributes=attributes,
                image_svg=product_svg(name, KINDS[kind].icon, COLOURS[colour]),
                translations={korean.LANGUAGE: in_korean},
            )
