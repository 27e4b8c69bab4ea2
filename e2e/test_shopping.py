"""A shopper's errands in a real browser: browse, buy, manage the cart, search, review."""

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import screenshot, wait_until_served

pytestmark = pytest.mark.e2e

PRODUCT = "/product/SKU-1001"


@pytest.fixture
def shop(stack) -> str:
    """The storefront's URL, once every fragment of the product page is served."""
    url = stack.url("shell")
    wait_until_served(url + PRODUCT, "buybox__add")
    wait_until_served(url + PRODUCT, "reviews__form")
    wait_until_served(url + "/c/kitchen", "listing__card")
    wait_until_served(url + "/cart", 'class="cart"')
    return url


def test_browse_add_to_cart_change_quantity_and_remove(shop, page: Page):
    page.goto(shop + "/")
    page.get_by_role("navigation", name="Categories").get_by_role("link", name="Kitchen").click()
    expect(page).to_have_url(shop + "/c/kitchen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kitchen")
    expect(page).to_have_title("Kitchen · Tessera")
    cards = page.locator(".listing__card")
    expect(cards).to_have_count(10)
    screenshot(page, "category")

    name = cards.first.locator(".listing__name").inner_text()
    cards.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page).to_have_title(f"{name} · Tessera")
    expect(page.locator("[data-cart-count]")).to_have_text("0")
    page.evaluate("window.__sameDocument = true")

    buybox = page.locator(".buybox")
    buybox.get_by_label("Quantity").select_option("2")
    buybox.get_by_role("button", name="Add to cart").click()
    expect(buybox.get_by_role("status")).to_contain_text("Added to your cart")
    # The header's mini-cart heard `cart:updated`: no reload happened.
    expect(page.locator("[data-cart-count]")).to_have_text("2")
    assert page.evaluate("window.__sameDocument") is True
    screenshot(page, "product-added")

    buybox.get_by_role("link", name="View cart").click()
    expect(page).to_have_url(shop + "/cart")
    line = page.locator(".cart__line")
    expect(line).to_have_count(1)
    expect(line.get_by_role("link")).to_have_text(name)
    quantity = line.get_by_role("spinbutton")
    expect(quantity).to_have_value("2")
    unit = _euros(line.locator(".cart__unit").inner_text())
    screenshot(page, "cart")

    quantity.fill("3")
    quantity.dispatch_event("change")
    expect(page.locator(".cart__status")).to_have_text("Quantity updated.")
    expect(line.locator("[data-line-total]")).to_have_text(_money(3 * unit))
    expect(page.locator("[data-subtotal]")).to_have_text(_money(3 * unit))
    expect(page.locator("[data-cart-count]")).to_have_text("3")

    page.reload()  # the cart is kept by the cart backend, not the page
    expect(page.locator(".cart__line").get_by_role("spinbutton")).to_have_value("3")
    page.get_by_role("button", name=f"Remove {name}").click()
    expect(page.locator(".cart__line")).to_have_count(0)
    expect(page.get_by_text("Your cart is empty.")).to_be_visible()
    expect(page.locator("[data-cart-count]")).to_have_text("0")
    screenshot(page, "cart-empty")


def test_search_from_the_header(shop, page: Page):
    page.goto(shop + PRODUCT)
    search = page.get_by_role("searchbox", name="Search products")
    search.fill("kettle")
    search.press("Enter")
    expect(page).to_have_url(shop + "/search?q=kettle")
    expect(page.get_by_role("heading", level=1)).to_have_text("Results for “kettle”")
    names = page.locator(".listing__name").all_inner_texts()
    assert names and all("kettle" in n.lower() for n in names)
    expect(page.get_by_role("searchbox", name="Search products")).to_have_value("kettle")
    screenshot(page, "search")

    search = page.get_by_role("searchbox", name="Search products")
    search.fill("no such thing at all")
    search.press("Enter")
    expect(page.get_by_text("Nothing matches “no such thing at all”")).to_be_visible()


def test_write_a_review_and_see_it_appear(shop, page: Page):
    page.goto(shop + "/product/SKU-1002")
    reviews = page.locator(".reviews")
    before = reviews.locator(".reviews__item").count()
    reviews.get_by_text("Write a review").click()
    reviews.get_by_label("Your name").fill("Ada")
    reviews.get_by_label("4 stars").check()
    reviews.get_by_label("Title").fill("Solid and quiet")
    reviews.get_by_label("Review", exact=True).fill("Too short")
    reviews.get_by_role("button", name="Submit review").click()
    body = reviews.get_by_label("Review", exact=True)  # the field at fault, marked in words
    expect(body).to_have_attribute("aria-invalid", "true")
    expect(reviews.locator("#reviews-body-error")).to_have_text(
        "Please write at least 10 characters about the product."
    )
    expect(reviews.locator(".reviews__item")).to_have_count(before)

    reviews.get_by_label("Review", exact=True).fill("Boils a litre in two minutes, and quietly.")
    reviews.get_by_role("button", name="Submit review").click()
    expect(reviews.get_by_role("status")).to_have_text("Thank you! Your review is published.")
    newest = reviews.locator(".reviews__item").first
    expect(newest).to_contain_text("Solid and quiet")
    expect(newest.get_by_role("img")).to_have_attribute("aria-label", "4 out of 5 stars")
    screenshot(page, "review-written")

    page.reload()
    expect(page.locator(".reviews__item").first).to_contain_text("Solid and quiet")


def test_an_unknown_product_is_a_real_404_page(shop, page: Page):
    response = page.goto(shop + "/product/SKU-99999")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="We couldn't find that page")).to_be_visible()
    expect(page.get_by_role("link", name="Tessera home")).to_be_visible()  # still the shop
    screenshot(page, "product-404")


def test_pages_fit_a_phone_screen(shop, phone_page: Page):
    for path, name in [("/", "home"), (PRODUCT, "product"), ("/c/books", "category")]:
        phone_page.goto(shop + path)
        overflow = phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways on a phone by {overflow}px"
        screenshot(phone_page, f"phone-{name}")


def _euros(text: str) -> int:
    """Cents from a price like '€1,234.56 each'."""
    whole, cents = re.search(r"€([\d,]+)\.(\d\d)", text).groups()
    return int(whole.replace(",", "")) * 100 + int(cents)


def _money(cents: int) -> str:
    return f"€{cents // 100:,}.{cents % 100:02d}"
