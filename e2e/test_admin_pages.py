"""An operator adds a page in the admin, choosing its layout's slots from the lists, and the
storefront serves it; the admin fits a laptop's screen and a phone's; a fragment's preview
takes the values the operator chooses (issue 16)."""

import time

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.conftest import checked_page, log_in_to_admin, screenshot

pytestmark = pytest.mark.e2e

LAPTOP = {"viewport": {"width": 1366, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}
#: The page the operator adds: a fragment in each of the home layout's slots but the hero.
PLACEMENTS = (("header", "header"), ("main", "listing"), ("footer", "footer"))


def _served(url: str, markers: tuple[str, ...], timeout: float = 15.0) -> None:
    """Wait until the shell serves `url` with every marker: it picks up the registry's
    changes on its next snapshot poll (about every second)."""
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(url)
        if response.status_code == 200 and all(m in response.text for m in markers):
            return
        assert time.monotonic() < deadline, f"{url}: {response.status_code} after {timeout} s"
        time.sleep(0.3)


def _visible_groups(page: Page, select: str) -> list[str]:
    return page.locator(select).evaluate(
        "s => [...s.querySelectorAll('optgroup')].filter(g => !g.hidden).map(g => g.label)"
    )


def _fits(page: Page) -> None:
    """Nothing on the page is wider than the screen: no sideways scrolling."""
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page is {width[0]} px wide on a {width[1]} px screen"


def test_operator_adds_a_page_choosing_slots_from_the_lists_and_the_store_serves_it(
    stack, browser: Browser
):
    with checked_page(browser, **LAPTOP) as page:
        admin = log_in_to_admin(page, stack)
        page.goto(admin + "registry/page/add/")
        page.get_by_label("Name:").fill("gifts")
        page.get_by_label("Route:").fill("/gifts")
        page.get_by_label("Title:").fill("Gifts")
        page.locator("#id_layout").select_option("home.html")
        for _ in PLACEMENTS[1:]:
            page.locator("#placements-group .add-row a").click()
        for row, (slot, fragment) in enumerate(PLACEMENTS):
            select = f"#id_placements-{row}-slot"
            assert _visible_groups(page, select) == ["home.html"]  # only the layout's slots
            page.locator(select).select_option(slot)
            page.locator(f"#id_placements-{row}-fragment").select_option(label=fragment)
        page.locator("#id_placements-1-params").fill('{"category": "kitchen"}')

        # Another layout: the lists follow it, and a slot it lacks is refused on saving.
        page.locator("#id_layout").select_option("listing.html")
        assert _visible_groups(page, "#id_placements-0-slot") == ["listing.html"]
        page.locator("#id_placements-0-slot").select_option("hero")  # home.html's only
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_text("layout listing.html has no slot 'hero'")).to_be_visible()
        page.locator("#id_layout").select_option("home.html")
        page.locator("#id_placements-0-slot").select_option("header")
        screenshot(page, "admin-page-with-slots")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".messagelist")).to_contain_text("was added successfully")

        store = stack.url("shell") + "/gifts"
        _served(store, tuple(f'data-fragment="{f}"' for _, f in PLACEMENTS))
        page.goto(store)
        for _, fragment in PLACEMENTS:
            expect(page.locator(f'[data-fragment="{fragment}"]')).to_be_visible()
        expect(page.locator('[data-fragment="listing"]')).to_contain_text("Kitchen")
        screenshot(page, "store-gifts-page")


def test_the_fragments_list_fits_a_laptop_and_the_admin_a_phone(stack, browser: Browser):
    with checked_page(browser, **LAPTOP) as page:
        admin = log_in_to_admin(page, stack)
        page.goto(admin + "registry/fragment/")
        results = page.locator("#changelist .results")
        overflow = results.evaluate("r => r.scrollWidth - r.clientWidth")
        assert overflow <= 0, f"the fragments list is {overflow} px wider than its box"
        for header in ("Live instances", "Versions: instances, share", "Breaker", "Owner"):
            expect(page.get_by_role("columnheader", name=header)).to_be_in_viewport(ratio=1)
        screenshot(page, "admin-fragments-laptop")
        page.goto(admin)
        expect(page.locator("#fragment-overview")).to_contain_text("listing")
        screenshot(page, "admin-index-laptop")

    with checked_page(browser, **PHONE) as phone:
        admin = log_in_to_admin(phone, stack)
        expect(phone.locator('#fragment-overview [data-fragment="listing"]')).to_contain_text(
            "1 / 1"
        )
        _fits(phone)
        screenshot(phone, "admin-index-phone")
        phone.goto(admin + "registry/fragment/")
        _fits(phone)
        phone.locator("#result_list").get_by_role("link", name="listing", exact=True).click()
        _fits(phone)
        expect(phone.locator(".preview iframe")).to_be_attached()
        screenshot(phone, "admin-fragment-phone")
        phone.goto(admin + "registry/page/")
        phone.locator("#result_list").get_by_role("link", name="home", exact=True).click()
        _fits(phone)
        expect(phone.locator("#id_placements-0-slot")).to_be_in_viewport()
        screenshot(phone, "admin-page-phone")


def test_the_preview_shows_the_fragment_for_the_values_chosen(stack, browser: Browser):
    with checked_page(browser, **LAPTOP) as page:
        admin = log_in_to_admin(page, stack)
        page.goto(admin + "registry/fragment/")
        page.locator("#result_list").get_by_role("link", name="listing", exact=True).click()
        frame = page.locator(".preview iframe")
        content = page.frame_locator(".preview iframe")
        base = stack.url("shell") + "/_fragment/listing"
        assert "SKU" not in frame.get_attribute("src")  # a placement's category, or none
        expect(content.locator(".listing")).to_be_visible()

        category = page.locator('[data-param="category"]')
        category.fill("")  # every product: an empty parameter is left out
        category.press("Enter")
        expect(frame).to_have_attribute("src", base)
        expect(content.locator("h1")).to_have_text("All products")
        category.fill("kitchen")
        category.press("Enter")
        expect(frame).to_have_attribute("src", base + "?category=kitchen")
        expect(page.get_by_role("link", name="Open the preview")).to_have_attribute(
            "href", base + "?category=kitchen"
        )
        expect(content.locator("h1")).to_have_text("Kitchen")
        assert page.url.endswith("/change/")  # the script did it, no reload of the form
        screenshot(page, "admin-preview")


def test_a_fragment_just_created_is_previewed_once_the_shell_has_it(stack, browser: Browser):
    with checked_page(browser, **LAPTOP) as page:
        admin = log_in_to_admin(page, stack)
        page.goto(admin + "registry/fragment/")
        page.locator("#result_list").get_by_role("link", name="hero", exact=True).click()
        hero = page.locator("#id_instances-0-base_url").input_value()

        page.goto(admin + "registry/fragment/add/")
        page.get_by_label("Name:").fill("hero-again")
        page.get_by_label("Path template:").fill("/fragment")
        page.locator("#id_instances-0-base_url").fill(hero)
        page.locator("#id_instances-0-manual").check()
        page.get_by_role("button", name="Save and continue editing").click()
        expect(page.locator(".messagelist")).to_contain_text("was added successfully")
        # Saved a moment ago: the shell may not know it yet, and the preview says so...
        expect(page.locator("[data-preview-pending]")).to_contain_text("picks up")
        # ...and shows it once the shell does, without the operator reloading.
        content = page.frame_locator(".preview iframe")
        expect(content.locator('[data-fragment="hero-again"]')).to_be_visible()
        expect(page.locator("[data-preview-pending]")).to_have_count(0)

        # Gone again, for the tests after this one on the same stack.
        page.get_by_role("link", name="Delete").click()
        page.locator("#content form [type=submit]").click()  # "Yes, I am sure"
        expect(page.locator(".messagelist")).to_contain_text("was deleted successfully")
