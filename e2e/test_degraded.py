"""The storefront while its backends fail, as a shopper sees it in a real browser.

Outages come from the backend stubs' own `/_faults` endpoint (the `faults` fixture puts every
backend right again after each test, whatever happened in it).

The shell keeps fragments' answers as their Cache-Control allows (README, "Caching"), and
shared copies are keyed by the fragment's path: a page a shopper just saw keeps showing
from its copy while a backend fails, and only a page whose fragments no earlier test loaded
shows the fragments' own failure handling (a fallback, a retry placeholder, degraded
markup). So each test below owns the pages it needs fresh, products and categories no other
test in the session loads (the `shop` fixture loads only SKU-1001, the home page and the
cart), whatever order the tests run in:

| test | owns |
|---|---|
| filled in by the browser's retry | SKU-1021 |
| still fails when retried, and says so | SKU-1022 |
| without pricing | SKU-1031, /c/electronics |
| without inventory | SKU-1032 |
| catalog down | SKU-1041, SKU-1042, /c/home, /c/toys |

The home page is everyone's: the test of its deals without pricing waits out the hero's
copy instead (at most its minute of freshness).

(tests/integration/test_deadline.py owns /c/outdoors; e2e/test_resilience.py SKU-1052 to
SKU-1058.)
"""

import re
import time

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from e2e.conftest import FROM_THE_CACHE, screenshot, server_timing, wait_until_served

pytestmark = pytest.mark.e2e

PRODUCT = "/product/SKU-1001"  # in stock, with four recommendations; loaded by `shop`


@pytest.fixture
def shop(stack) -> str:
    url = stack.url("shell")
    wait_until_served(url + PRODUCT, "buybox__add")
    wait_until_served(url + PRODUCT, "recommendations__list")
    wait_until_served(url + PRODUCT, "reviews__form")
    wait_until_served(url + "/", "hero__deal")
    wait_until_served(url + "/cart", 'class="cart"')
    return url


def wait_until_page_shows(url: str, marker: str, timeout: float) -> None:
    """Load `url` until `marker` is in it: a degraded answer that takes the place of a
    cached copy once the copy is no longer fresh (`timeout`: its freshness plus a margin)."""
    deadline = time.monotonic() + timeout
    while marker not in (page := httpx.get(url, timeout=10)).text:
        assert time.monotonic() < deadline, (
            f"{url} still did not show {marker!r} after {timeout} s: the copy of before is "
            f"still served (Server-Timing: {page.headers.get('server-timing')})"
        )
        time.sleep(0.5)


def test_a_fragment_that_failed_on_the_server_is_filled_in_by_the_browsers_retry(
    shop, page: Page, faults
):
    product, retry = "/product/SKU-1021", "/_fragment/recommendations?sku=SKU-1021"
    faults.down("recommendations")
    retried: list[str] = []

    def outage_over_by_then(route: Route) -> None:
        # The page has been composed without the recommendations; by the time the browser
        # asks again, the recommendations backend is back.
        retried.append(route.request.url)
        faults.clear("recommendations")
        route.continue_()

    page.route("**/_fragment/recommendations*", outage_over_by_then)
    with page.expect_response(lambda r: "/_fragment/recommendations" in r.url) as retried_one:
        response = page.goto(shop + product)
    # The server's page had a retry placeholder where the recommendations go, not them:
    # nothing of them was kept, no earlier page asked for this product's.
    html = response.text()
    assert f'data-tessera-retry="{retry}"' in html
    assert "Customers also viewed" not in html
    assert retried == [shop + retry]
    assert retried_one.value.status == 200

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


def test_a_fragment_that_still_fails_when_retried_says_so_in_its_place(shop, page: Page, faults):
    page.goto(shop + PRODUCT)
    cards = page.locator('[data-fragment="recommendations"] .recommendations__list li')
    expect(cards).to_have_count(4)
    seen = cards.all_text_contents()

    faults.down("recommendations")
    # A product the shopper just saw keeps its recommendations: the shell's copy (a minute
    # fresh, then served while refreshed, and for a day when they fail) stands in, the very
    # cards of before, and the page has no retry to make. (Recommendations are streamed
    # after the page's head: its Server-Timing may well say "streamed" for them.)
    page.goto(shop + PRODUCT)
    expect(cards).to_have_text(seen)
    expect(page.locator("[data-tessera-retry]")).to_have_count(0)

    # One whose recommendations were never had: the browser asks again, in vain.
    with page.expect_response(lambda r: "/_fragment/recommendations" in r.url) as retry:
        page.goto(shop + "/product/SKU-1022")
    assert retry.value.url == shop + "/_fragment/recommendations?sku=SKU-1022"
    assert retry.value.status == 502
    expect(page.get_by_role("heading", level=1)).to_have_text("Compact Backpack")
    expect(page.locator(".buybox").get_by_role("button", name="Add to cart")).to_be_enabled()
    expect(page.get_by_text("Customers also viewed")).to_have_count(0)
    # Its place says it could not be loaded, rather than leave the shopper looking for it.
    failed = page.locator('[data-fragment="recommendations"] .tessera-retry--failed')
    expect(failed).to_have_text(
        "This part of the page could not be loaded. Reloading may bring it."
    )


def test_without_pricing_the_shop_shows_no_prices_and_sells_nothing(shop, page: Page, faults):
    product = "/product/SKU-1031"
    page.goto(shop + product)  # seen while pricing works: the shell keeps its buy box 5 s
    buybox = page.locator(".buybox")
    price = buybox.locator(".buybox__now").inner_text()
    assert re.fullmatch(r"€[\d,]+\.\d\d", price), price

    faults.down("pricing")
    # Straight away, the shopper still sees the price they just saw, which the buy box could
    # not make now: its copy is fresh for 5 s, then served for 5 s more while refreshed.
    page.goto(shop + product)
    expect(buybox.locator(".buybox__now")).to_have_text(price)
    expect(buybox.get_by_role("button", name="Add to cart")).to_be_visible()
    # A buy box made without prices is kept by no one: once the copy is no longer fresh, it
    # takes the copy's place, and nothing is sold at a price nobody could check.
    wait_until_page_shows(shop + product, "The price is not available right now.", 30)
    page.goto(shop + product)
    expect(page.get_by_role("heading", level=1)).to_have_text("Compact Headphones")
    expect(buybox.get_by_text("The price is not available right now.")).to_be_visible()
    expect(buybox.get_by_role("button", name="Add to cart")).to_have_count(0)

    response = page.goto(shop + "/c/electronics")  # never listed before: nothing stands in
    assert response is not None and response.status == 200
    assert server_timing(response.all_headers())["listing"] == "ok"  # fetched, not kept
    expect(page.locator(".listing__card")).to_have_count(10)  # still listed...
    expect(page.locator(".listing__price")).to_have_count(0)  # ...without a price
    screenshot(page, "degraded-no-pricing")


def test_without_pricing_the_home_page_keeps_its_deals_until_they_are_no_longer_fresh(
    shop, page: Page, faults
):
    page.goto(shop + "/")
    hero = page.locator(".hero")
    deals = hero.locator(".hero__deal")
    expect(deals).to_have_count(12)
    seen = deals.all_text_contents()  # names and prices, as the shopper saw them

    faults.down("pricing")
    # The hero's copy (everyone's, fresh for a minute) stands in: the very deals just seen,
    # prices and all, which the hero could not make now. (The home page has no primary
    # fragment, so its Server-Timing is sent before the hero is resolved: "streamed".)
    page.goto(shop + "/")
    expect(deals).to_have_text(seen)
    expect(deals.first.locator(".hero__price s")).to_have_text(re.compile(r"^€[\d,]+\.\d\d$"))

    # Deals made without prices are kept by no one: once the copy is no longer fresh (at
    # most its 60 s), the hero says so instead.
    taking_a_break = "Deals are taking a break. Please come back in a moment."
    wait_until_page_shows(shop + "/", taking_a_break, 60 + 15)
    page.goto(shop + "/")
    expect(hero.get_by_role("heading", name="Today's deals")).to_be_visible()
    expect(hero.get_by_text(taking_a_break)).to_be_visible()
    expect(deals).to_have_count(0)


def test_more_deals_says_so_when_pricing_fails_after_the_page_loaded(shop, page: Page, faults):
    page.goto(shop + "/")
    hero = page.locator(".hero")
    expect(hero.locator(".hero__deal")).to_have_count(12)
    faults.down("pricing")
    hero.get_by_role("button", name="More deals").click()
    expect(hero.get_by_role("status")).to_have_text("Could not load more deals. Please try again.")
    expect(hero.locator(".hero__deal")).to_have_count(12)
    expect(hero.get_by_role("button", name="More deals")).to_be_enabled()  # try again


def test_without_inventory_the_buy_box_cannot_sell(shop, page: Page, faults):
    faults.down("inventory")
    page.goto(shop + "/product/SKU-1032")  # never seen: no buy box of it to stand in
    buybox = page.locator(".buybox")
    expect(buybox.get_by_text("Availability cannot be checked right now.")).to_be_visible()
    expect(buybox.locator(".buybox__now")).to_have_text(re.compile(r"^€[\d,]+\.\d\d$"))
    expect(buybox.get_by_role("button", name="Add to cart")).to_have_count(0)


def test_when_the_catalog_is_down_pages_just_seen_stay_and_others_are_taking_a_break(
    shop, page: Page, faults
):
    seen = {"/product/SKU-1041": "Nordic Lamp", "/c/home": "Home & Living"}
    for path, heading in seen.items():  # a shopper looks at these while the catalog works
        page.goto(shop + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)

    faults.down("catalog")
    # What the shopper just saw keeps showing, from the shell's copy of its primary fragment
    # (fresh for 30 s or 10 s, then served while refreshed, and for a day when it fails).
    for path, heading in seen.items():
        response = page.goto(shop + path)
        assert response is not None and response.status == 200, path
        primary = "product" if path.startswith("/product/") else "listing"
        assert server_timing(response.all_headers())[primary] in FROM_THE_CACHE, path
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator(".listing__card")).to_have_count(10)

    # Pages nobody asked for before have nothing to stand in: they are taking a break.
    for path in ("/product/SKU-1042", "/c/toys"):
        response = page.goto(shop + path)
        assert response is not None and response.status == 503, path
        expect(page).to_have_title("Temporarily unavailable · Tessera")
        expect(page.get_by_role("heading", name="This page is taking a break")).to_be_visible()
        # Still the shop: its header and a way back.
        expect(page.get_by_role("link", name="Tessera home")).to_be_visible()
        expect(page.get_by_role("link", name="Back to the shop")).to_have_attribute("href", "/")
    screenshot(page, "degraded-503")

    faults.clear("catalog")  # and back when the catalog is
    response = page.goto(shop + "/product/SKU-1042")
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Urban Throw Blanket")


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
