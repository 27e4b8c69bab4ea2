"""A shopper's first look at the storefront, in a real browser."""

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import screenshot, wait_until_served
from fragments.hero.fragment import PAGE_SIZE

pytestmark = pytest.mark.e2e


def test_home_shows_both_fragments_and_loads_more_deals_through_the_bff(stack, page: Page):
    wait_until_served(stack.url("shell") + "/", "hero__deal")
    bff_calls = []
    page.on("request", lambda r: bff_calls.append(r.url) if "/bff/hero/deals" in r.url else None)

    page.goto(stack.url("shell") + "/")

    header = page.locator('[data-fragment="header"]')
    expect(header.get_by_role("link", name="Tessera home")).to_be_visible()
    expect(header.get_by_role("navigation", name="Categories").get_by_role("link")).to_have_count(6)
    expect(header.get_by_role("searchbox", name="Search products")).to_be_visible()

    hero = page.locator('[data-fragment="hero"]')
    expect(hero.get_by_role("heading", name="Today's deals")).to_be_visible()
    deals = hero.locator(".hero__deal")
    expect(deals).to_have_count(PAGE_SIZE)
    expect(deals.first.locator(".hero__price s")).to_have_text(re.compile(r"^€[\d,]+\.\d\d$"))
    # The fragment's own stylesheet, fetched through the shell, is applied.
    banner_colour = hero.locator(".hero__banner").evaluate("e => getComputedStyle(e).color")
    assert banner_colour == "rgb(255, 255, 255)"
    screenshot(page, "home")

    hero.get_by_role("button", name="More deals").click()
    expect(deals).to_have_count(2 * PAGE_SIZE)
    expect(hero.get_by_role("status")).to_have_text(f"{PAGE_SIZE} more deals loaded")
    assert bff_calls and bff_calls[0].startswith(stack.url("shell") + "/bff/hero/deals?page=2")
    # The new cards carry real product pictures served through the hero's BFF.
    image = deals.nth(7).locator("img")
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle(), timeout=5000
    )
    screenshot(page, "home-more-deals")
