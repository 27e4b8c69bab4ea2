"""The categories fragment: a tile per category on the home page, with the category's icon
from the icon set, its name and product count, linking to the category's page."""

from __future__ import annotations

import asyncio
import re

from lucide.jinja import lucide

from fragments.categories.fragment import DEFAULT_ICON, fragment, render
from fragments.kit.fragment import load
from fragments.kit.views import fragment_view
from tests.fragments.conftest import fragment_request

CATEGORIES = [
    {"slug": "kitchen", "name": "Kitchen", "icon": "chef-hat", "product_count": 10},
    {"slug": "books", "name": "Books & Maps", "icon": "library-big", "product_count": 1},
    {"slug": "garden", "name": "Garden", "icon": "no-such-icon", "product_count": 3},
    {"slug": "gifts", "name": "Gifts", "icon": "", "product_count": 0},
]


def _paths(name: str) -> list[str]:
    """The `d` attributes of Lucide's icon `name`: what identifies it in the HTML."""
    return re.findall(r' d="([^"]+)"', str(lucide(name)))


def _render() -> str:
    return asyncio.run(render(fragment_request()))


def test_a_tile_per_category_links_to_its_page_with_name_and_count(fake_backends):
    fake_backends.on("catalog", "GET", "/categories", CATEGORIES)
    html = _render()
    tiles = re.findall(r'<a class="categories__tile" href="([^"]+)">(.*?)</a>', html, re.S)
    assert [href for href, _ in tiles] == ["/c/kitchen", "/c/books", "/c/garden", "/c/gifts"]
    kitchen, books = tiles[0][1], tiles[1][1]
    assert ">Kitchen<" in kitchen and ">10 products<" in kitchen
    assert ">Books &amp; Maps<" in books and ">1 product<" in books  # escaped, singular
    assert 'aria-labelledby="categories-title"' in html and "Shop by category" in html


def test_each_tile_draws_its_categorys_icon_hidden_from_screen_readers(fake_backends):
    fake_backends.on("catalog", "GET", "/categories", CATEGORIES)
    html = _render()
    tiles = html.split('class="categories__tile"')[1:]
    for tile, icon in zip(tiles, ["chef-hat", "library-big"], strict=False):
        assert all(path in tile for path in _paths(icon)), icon
        assert "<svg" in tile and 'aria-hidden="true"' in tile and 'focusable="false"' in tile
    assert _paths("chef-hat")[0] not in tiles[1]  # each its own icon
    # An icon the set does not have, or none named: the default icon, never a broken tile.
    for tile in tiles[2:]:
        assert all(path in tile for path in _paths(DEFAULT_ICON))


def test_without_the_catalog_the_slot_stays_empty_and_the_answer_is_not_kept(fake_backends):
    fake_backends.down.add("catalog")
    response = asyncio.run(fragment_view(load("categories"), "1.0")(fragment_request()))
    assert response.status_code == 200 and response.content == b""
    assert response["Cache-Control"] == "no-store"


def test_it_is_cached_for_everyone_and_varies_on_the_locale(fake_backends):
    fake_backends.on("catalog", "GET", "/categories", CATEGORIES)
    response = asyncio.run(fragment_view(load("categories"), "1.0")(fragment_request()))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("public, max-age=60")
    assert response["Vary"] == "x-tessera-locale"
    assert fragment.styles == ("categories.css",)
    assert "categories.css" in response["Link"] and 'rel="stylesheet"' in response["Link"]
