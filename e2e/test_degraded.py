"""The storefront while its backends fail, as a shopper sees it in a real browser.

Outages come from the backend stubs' own `/_faults` endpoint (the `faults` fixture puts every
backend right again after each test, whatever happened in it).
"""

import re

import pytest
from playwright.sync_api import Page, Route, expect

from e2e.conftest import screenshot, wait_until_served

pytestmark = pytest.mark.e2e

PRODUCT = "/product/SKU-1001"  # in stock, with four recommendations
RETRY = "/_fragment/recommendations?sku=SKU-1001"


@pytest.fixture
def shop(stack) -> str:
    url = stack.url("shell")
    wait_until_served(url + PRODUCT, "buybox__add")
    wait_until_served(url + PRODUCT, "recommendations__list")
    wait_until_served(url + PRODUCT, "reviews__form")
    wait_until_served(url + "/", "hero__deal")
    wait_until_served(url + "/cart", 'class="cart"')
    return url


def test_a_fragment_that_failed_on_the_server_is_filled_in_by_the_browsers_retry(
    shop, page: Page, faults
):
    faults.down("recommendations")
    retried: list[str] = []

    def outage_over_by_then(route: Route) -> None:
        # The page has been composed without the recommendations; by the time the browser
        # asks again, the recommendations backend is back.
        retried.append(route.request.url)
        faults.clear("recommendations")
        route.continue_()

    page.route("**/_fragment/recommendations*", outage_over_by_then)
    with page.expect_response(lambda r: "/_fragment/recommendations" in r.url) as retry:
        response = page.goto(shop + PRODUCT)
    # The server's page had a retry placeholder where the recommendations go, not them.
    html = response.text()
    assert f'data-tessera-retry="{RETRY}"' in html
    assert "Customers also viewed" not in html
    assert retried == [shop + RETRY]
    assert retry.value.status == 200

    slot = page.locator('[data-fragment="recommendations"]').first
    expect(slot.get_by_role("heading", name="Customers also viewed")).to_be_visible()
    cards = slot.locator(".recommendations__list li")
    expect(cards).to_have_count(4)
    expect(cards.first.get_by_role("link")).to_have_attribute("href", re.compile(r"^/product/"))
    expect(page.locator("[data-tessera-retry]")).to_have_count(0)  # replaced, not added to
    # Its stylesheet came with it, through the shell: the list is laid out as the fragment says.
    expect(slot.locator(".recommendations__list")).to_have_css("display", "grid")
    expect(page.get_by_role("heading", name="Customers also viewed")).to_have_count(1)
    screenshot(page, "retried-recommendations")


def test_a_fragment_that_still_fails_when_retried_leaves_its_place_empty(shop, page: Page, faults):
    faults.down("recommendations")
    with page.expect_response(lambda r: "/_fragment/recommendations" in r.url) as retry:
        page.goto(shop + PRODUCT)
    assert retry.value.status == 502
    expect(page.get_by_role("heading", level=1)).to_have_text("Urban Kettle")
    expect(page.locator(".buybox").get_by_role("button", name="Add to cart")).to_be_enabled()
    expect(page.get_by_text("Customers also viewed")).to_have_count(0)


def test_without_pricing_the_shop_shows_no_prices_and_sells_nothing(shop, page: Page, faults):
    faults.down("pricing")
    page.goto(shop + "/")
    hero = page.locator(".hero")
    expect(hero.get_by_role("heading", name="Today's deals")).to_be_visible()
    taking_a_break = "Deals are taking a break. Please come back in a moment."
    expect(hero.get_by_text(taking_a_break)).to_be_visible()
    expect(hero.locator(".hero__deal")).to_have_count(0)

    page.goto(shop + PRODUCT)
    expect(page.get_by_role("heading", level=1)).to_have_text("Urban Kettle")
    buybox = page.locator(".buybox")
    expect(buybox.get_by_text("The price is not available right now.")).to_be_visible()
    expect(buybox.get_by_role("button", name="Add to cart")).to_have_count(0)

    page.goto(shop + "/c/kitchen")
    expect(page.locator(".listing__card")).to_have_count(10)  # still listed...
    expect(page.locator(".listing__price")).to_have_count(0)  # ...without a price
    screenshot(page, "degraded-no-pricing")


def test_more_deals_says_so_when_pricing_fails_after_the_page_loaded(shop, page: Page, faults):
    page.goto(shop + "/")
    hero = page.locator(".hero")
    expect(hero.locator(".hero__deal")).to_have_count(4)
    faults.down("pricing")
    hero.get_by_role("button", name="More deals").click()
    expect(hero.get_by_role("status")).to_have_text("Could not load more deals. Please try again.")
    expect(hero.locator(".hero__deal")).to_have_count(4)
    expect(hero.get_by_role("button", name="More deals")).to_be_enabled()  # try again


def test_without_inventory_the_buy_box_cannot_sell(shop, page: Page, faults):
    faults.down("inventory")
    page.goto(shop + PRODUCT)
    buybox = page.locator(".buybox")
    expect(buybox.get_by_text("Availability cannot be checked right now.")).to_be_visible()
    expect(buybox.locator(".buybox__now")).to_have_text(re.compile(r"^€[\d,]+\.\d\d$"))
    expect(buybox.get_by_role("button", name="Add to cart")).to_have_count(0)


def test_when_the_catalog_is_down_product_and_category_pages_are_taking_a_break(
    shop, page: Page, faults
):
    faults.down("catalog")
    for path in (PRODUCT, "/c/kitchen"):
        response = page.goto(shop + path)
        assert response is not None and response.status == 503, path
        expect(page).to_have_title("Temporarily unavailable")
        expect(page.get_by_role("heading", name="This page is taking a break")).to_be_visible()
        # Still the shop: its header and a way back.
        expect(page.get_by_role("link", name="Tessera home")).to_be_visible()
        expect(page.get_by_role("link", name="Back to the shop")).to_have_attribute("href", "/")
    screenshot(page, "degraded-503")

    faults.clear("catalog")  # and back when the catalog is
    response = page.goto(shop + PRODUCT)
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Urban Kettle")


def test_reviews_say_they_cannot_be_shown_or_written_while_their_backend_is_down(
    shop, page: Page, faults
):
    faults.down("reviews")
    page.goto(shop + PRODUCT)
    reviews = page.locator(".reviews")
    expect(reviews.get_by_role("heading", name="Customer reviews")).to_be_visible()
    expect(reviews.get_by_text("Reviews cannot be shown right now.")).to_be_visible()

    reviews.get_by_text("Write a review").click()
    reviews.get_by_label("Your name").fill("Grace")
    reviews.get_by_label("3 stars").check()
    reviews.get_by_label("Title").fill("Could not tell")
    reviews.get_by_label("Review", exact=True).fill("Written while the reviews were away.")
    with page.expect_response("**/bff/reviews/products/SKU-1001/reviews") as written:
        reviews.get_by_role("button", name="Submit review").click()
    assert written.value.status == 502
    expect(reviews.get_by_role("status")).to_have_text(
        "Your review was not published: reviews cannot be written right now, please try again"
    )
    expect(reviews.locator(".reviews__item")).to_have_count(0)
    screenshot(page, "degraded-reviews")


def test_the_cart_says_what_failed_when_its_backend_is_down(shop, page: Page, faults):
    # Something in the cart first, while everything works.
    page.goto(shop + PRODUCT)
    page.locator(".buybox").get_by_role("button", name="Add to cart").click()
    expect(page.locator(".buybox").get_by_role("status")).to_contain_text("Added to your cart")
    page.goto(shop + "/cart")
    line = page.locator(".cart__line")
    expect(line).to_have_count(1)

    faults.down("cart")
    quantity = line.get_by_role("spinbutton")
    quantity.fill("2")
    quantity.dispatch_event("change")
    status = page.locator(".cart__status")
    expect(status).to_have_text("the cart is unavailable right now, please try again")
    line.get_by_role("button", name="Remove Urban Kettle").click()
    expect(status).to_have_text("the cart is unavailable right now, please try again")
    expect(line).to_have_count(1)  # nothing changed on the page either
    expect(line.get_by_role("button", name="Remove Urban Kettle")).to_be_enabled()

    page.goto(shop + PRODUCT)
    page.locator(".buybox").get_by_role("button", name="Add to cart").click()
    expect(page.locator(".buybox").get_by_role("status")).to_have_text(
        "Could not add to your cart: the cart is unavailable right now, please try again"
    )
    expect(page.locator("[data-cart-count]")).to_have_text("\u2013")  # the header cannot tell

    page.goto(shop + "/cart")
    expect(
        page.get_by_text("Your cart cannot be shown right now. Please reload the page in a moment.")
    ).to_be_visible()
    screenshot(page, "degraded-cart")

    faults.clear("cart")
    page.reload()
    expect(page.locator(".cart__line").get_by_role("spinbutton")).to_have_value("1")
