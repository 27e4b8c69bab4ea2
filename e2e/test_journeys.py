"""Journeys through the real storefront and admin that no other browser test takes: the
async recommendations, a forged write refused, paging through a listing, and an operator's
preview of a fragment."""

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import log_in_to_admin, screenshot, wait_until_served

pytestmark = pytest.mark.e2e

PRODUCT = "/product/SKU-1001"
CSRF_REFUSED = "CSRF check failed: send the csrftoken cookie's value in X-CSRFToken"


@pytest.fixture
def shop(stack) -> str:
    url = stack.url("shell")
    wait_until_served(url + PRODUCT, "buybox__add")
    wait_until_served(url + PRODUCT, "recommendations__list")
    wait_until_served(url + "/search?q=built", "listing__card")
    return url


def test_recommendations_arrive_after_the_page_and_lead_to_another_product(shop, page: Page):
    response = page.goto(shop + PRODUCT)
    html = response.text()
    # Streamed last: an empty box in its place, its content after the footer...
    assert re.search(
        r'<div data-fragment="recommendations" id="[^"]+" aria-busy="true"></div>', html
    )
    assert html.index('class="site-footer"') < html.index("Customers also viewed")
    # ...and moved into that box in the browser.
    slot = page.locator('[data-fragment="recommendations"]')
    expect(slot.get_by_role("heading", name="Customers also viewed")).to_be_visible()
    expect(page.locator("[data-tessera-fill]")).to_have_count(0)
    assert page.locator("main .recommendations").count() == 1
    reviews_then_recommendations = page.evaluate(
        """() => {
            const reviews = document.querySelector('[data-fragment="reviews"]');
            const recs = document.querySelector('[data-fragment="recommendations"]');
            return !!(reviews.compareDocumentPosition(recs) & Node.DOCUMENT_POSITION_FOLLOWING);
        }"""
    )
    assert reviews_then_recommendations  # in its slot, below the reviews: not at the end
    cards = slot.locator(".recommendations__list li")
    expect(cards).to_have_count(4)
    expect(cards.first.locator(".recommendations__price")).to_have_text(
        re.compile(r"^€[\d,]+\.\d\d$")
    )
    image = cards.first.locator("img")
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle(), timeout=10_000
    )
    screenshot(page, "product-recommendations")

    name = cards.first.locator(".recommendations__name").inner_text()
    href = cards.first.get_by_role("link").get_attribute("href")
    assert href != PRODUCT
    cards.first.get_by_role("link").click()
    expect(page).to_have_url(shop + href)
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def test_a_write_without_the_csrf_token_is_refused_and_the_shopper_told(shop, page: Page):
    page.goto(shop + PRODUCT)
    buybox = page.locator(".buybox")
    expect(buybox.get_by_role("button", name="Add to cart")).to_be_enabled()
    page.context.clear_cookies(name="csrftoken")  # as a forged request would lack it
    with page.expect_response("**/bff/cart/items") as refused:
        buybox.get_by_role("button", name="Add to cart").click()
    assert refused.value.status == 403
    assert refused.value.json()["detail"] == CSRF_REFUSED
    expect(buybox.get_by_role("status")).to_have_text(f"Could not add to your cart: {CSRF_REFUSED}")
    expect(page.locator("[data-cart-count]")).to_have_text("0")

    # A request made outside the page, with the shopper's cookies but no token: refused too.
    direct = page.request.post(shop + "/bff/cart/items", data={"sku": "SKU-1001", "quantity": 1})
    assert direct.status == 403 and direct.json()["detail"] == CSRF_REFUSED

    # Nothing was added; with a token again (a new page sets the cookie), adding works.
    page.goto(shop + PRODUCT)
    expect(page.locator("[data-cart-count]")).to_have_text("0")
    page.locator(".buybox").get_by_role("button", name="Add to cart").click()
    expect(page.locator(".buybox").get_by_role("status")).to_contain_text("Added to your cart")
    expect(page.locator("[data-cart-count]")).to_have_text("1")


def test_paging_through_search_results(stack, shop, page: Page):
    # As many as the catalog finds for a word most products' descriptions have: at least
    # four pages of twelve, the last one partly filled or not.
    found = httpx.get(stack.url("catalog") + "/products", params={"q": "with", "limit": 1})
    total = found.json()["total"]
    last = -(-total // 12)
    assert last >= 4, total
    page.goto(shop + "/search?q=with")
    expect(page.get_by_role("heading", level=1)).to_have_text("Results for “with”")
    expect(page.locator(".listing__count")).to_have_text(f"{total} products")
    pages = page.get_by_role("navigation", name="Pages")
    expect(pages.get_by_role("link")).to_have_text([*map(str, range(1, min(last, 5) + 1)), "Next"])
    expect(pages.locator("[aria-current=page]")).to_have_text("1")
    first = page.locator(".listing__name").all_inner_texts()
    assert len(first) == 12

    pages.get_by_role("link", name="Next").click()
    expect(page).to_have_url(shop + "/search?q=with&page=2")
    expect(pages.locator("[aria-current=page]")).to_have_text("2")
    expect(page.locator(".listing__card")).to_have_count(12)
    second = page.locator(".listing__name").all_inner_texts()
    assert not set(first) & set(second)  # the next twelve, not the same again
    expect(page.get_by_role("searchbox", name="Search products")).to_have_value("with")

    page.goto(shop + f"/search?q=with&page={last}")
    expect(pages.locator("[aria-current=page]")).to_have_text(str(last))
    expect(pages.get_by_role("link", name="Next")).to_have_count(0)  # the last page
    expect(page.locator(".listing__card")).to_have_count(total - 12 * (last - 1))
    screenshot(page, "search-last-page")

    pages.get_by_role("link", name="Previous").click()
    expect(page).to_have_url(shop + f"/search?q=with&page={last - 1}")
    expect(pages.locator("[aria-current=page]")).to_have_text(str(last - 1))


def test_a_category_fits_one_page_and_a_page_number_that_is_not_one_is_refused(shop, page: Page):
    page.goto(shop + "/c/books")
    expect(page.locator(".listing__count")).to_have_text("10 products")
    expect(page.locator(".listing__card")).to_have_count(10)
    expect(page.get_by_role("navigation", name="Pages")).to_have_count(0)

    response = page.goto(shop + "/c/books?page=two")
    assert response is not None and response.status == 400
    expect(page).to_have_title("Bad request · Tessera")
    expect(page.get_by_role("heading", name="We couldn't read that address")).to_be_visible()
    expect(page.get_by_role("link", name="Tessera home")).to_be_visible()  # still the shop
    screenshot(page, "category-bad-page")


def test_an_operator_previews_a_fragment_from_the_admin(stack, shop, page: Page):
    admin = log_in_to_admin(page, stack)

    page.goto(admin + "registry/fragment/")
    page.locator("#result_list").get_by_role("link", name="buybox", exact=True).click()
    frame_element = page.get_by_title("Preview of buybox")
    expect(frame_element).to_have_attribute(
        "src", stack.url("shell") + "/_fragment/buybox?sku=SKU-1001"
    )
    frame_element.scroll_into_view_if_needed()
    preview = page.frame_locator('iframe[title="Preview of buybox"]')
    # The shell lets the registry frame it, and the fragment's own script runs in it.
    expect(preview.locator(".buybox__now")).to_have_text(re.compile(r"^€[\d,]+\.\d\d$"))
    expect(preview.get_by_role("button", name="Add to cart")).to_be_enabled()
    screenshot(page, "admin-preview")
    expect(page.get_by_role("link", name="Open the preview")).to_have_attribute(
        "href", stack.url("shell") + "/_fragment/buybox?sku=SKU-1001"
    )
