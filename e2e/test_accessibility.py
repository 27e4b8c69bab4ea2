"""axe-core finds no accessibility violation on any page of the store, on a desktop and on a
phone: home, a category, search, a product, the cart with an item, checkout, the 404 page,
and the registry admin's index and fragment list.

axe-core's own script comes in the `axe-playwright-python` wheel (requirements.lock), so the
test needs nothing but the project's Python dependencies. It is evaluated into each page
through Playwright (which the page's Content-Security-Policy does not apply to) and run with
its default rules: WCAG 2 A and AA plus best practices. The store's pages are screenshotted on
the way (test-artifacts/a11y-*.png).
"""

from __future__ import annotations

from importlib.resources import files

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.conftest import checked_page, log_in_to_admin, screenshot, wait_until_served

pytestmark = pytest.mark.e2e

AXE = (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
PRODUCT = "/product/SKU-1001"
#: The store's pages by name: the path, and whether the visitor has an item in the cart first.
PAGES = {
    "home": ("/", False),
    "category": ("/c/kitchen", False),
    "search": ("/search?q=kettle", False),
    "product": (PRODUCT, False),
    "cart": ("/cart", True),
    "checkout": ("/checkout", True),
    "not-found": ("/no-such-page", False),
}
SCREENSHOTS = {"home", "category", "product"}


@pytest.fixture
def shop(stack) -> str:
    """The storefront's URL, once every fragment of the pages visited here is served."""
    url = stack.url("shell")
    wait_until_served(url + "/", "categories__tile")
    wait_until_served(url + "/", "hero__deal")
    wait_until_served(url + PRODUCT, "buybox__add")
    wait_until_served(url + PRODUCT, "reviews__form")
    wait_until_served(url + "/c/kitchen", "listing__card")
    wait_until_served(url + "/cart", 'class="cart"')
    wait_until_served(url + "/checkout", 'class="checkout"')
    return url


def violations(page: Page) -> list[str]:
    """axe-core's violations on the page as it is now, one line each: rule, impact, what to
    do, and the elements (CSS selectors) that break it."""
    page.wait_for_load_state("networkidle")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE)
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"])
        for v in result["violations"]
    ]


def add_an_item(page: Page, shop: str) -> None:
    page.goto(shop + PRODUCT)
    buybox = page.locator(".buybox")
    buybox.get_by_role("button", name="Add to cart").click()
    expect(buybox.get_by_role("status")).to_contain_text("Added to your cart")


@pytest.mark.parametrize("size", VIEWPORTS)
@pytest.mark.parametrize("name", PAGES)
def test_no_page_of_the_store_has_an_accessibility_violation(
    shop, browser: Browser, name: str, size: str
):
    path, with_an_item = PAGES[name]
    with checked_page(browser, **VIEWPORTS[size]) as page:
        if with_an_item:
            add_an_item(page, shop)
        page.goto(shop + path)
        if name == "product":  # the recommendations stream in after the rest
            expect(page.locator(".recommendations__list")).to_be_visible()
        found = violations(page)
        if name in SCREENSHOTS:
            screenshot(page, f"a11y-{name}-{size}")
    assert found == [], f"{name} ({size}):\n" + "\n".join(found)


@pytest.mark.parametrize("name", PAGES)
def test_no_page_of_the_korean_store_has_an_accessibility_violation(
    shop, browser: Browser, name: str
):
    path, with_an_item = PAGES[name]
    with checked_page(browser, **VIEWPORTS["desktop"]) as page:
        page.goto(f"{shop}/_locale/ko?next={PRODUCT}")  # the header's language switch
        if with_an_item:
            buybox = page.locator(".buybox")
            buybox.get_by_role("button", name="장바구니 담기").click()
            expect(buybox.get_by_role("status")).not_to_be_empty()
        page.goto(shop + path)
        expect(page.locator("html")).to_have_attribute("lang", "ko")
        if name == "product":
            expect(page.locator(".recommendations__list")).to_be_visible()
        found = violations(page)
    assert found == [], f"{name} (Korean):\n" + "\n".join(found)


@pytest.mark.parametrize("size", VIEWPORTS)
def test_the_registry_admin_has_no_accessibility_violation(stack, browser: Browser, size: str):
    with checked_page(browser, **VIEWPORTS[size]) as page:
        admin = log_in_to_admin(page, stack)
        found = {"index": violations(page)}
        page.goto(admin + "registry/fragment/")
        found["fragment list"] = violations(page)
    assert found == {"index": [], "fragment list": []}, found
