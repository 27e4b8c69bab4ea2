"""Checkout in a real browser: two products bought end to end, a declined card told
plainly with the cart left as it was, a second tab told that the order is already being
placed, and a cart changed while pricing is out showing no made-up subtotal."""

import re
from datetime import date

import httpx
import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import Faults, screenshot, wait_until_served

pytestmark = pytest.mark.e2e

DECLINED_CARD = "4000 0000 0000 0002"
GOOD_CARD = "4242 4242 4242 4242"
#: An expiry some years ahead of today, as the checkout's BFF checks it against the date.
EXPIRY = f"12/{(date.today().year + 4) % 100:02d}"


@pytest.fixture
def shop(stack) -> str:
    """The storefront's URL, once the product and checkout pages are served."""
    url = stack.url("shell")
    wait_until_served(url + "/product/SKU-1001", "buybox__add")
    wait_until_served(url + "/checkout", 'class="checkout"')
    return url


def in_stock(stack, count: int, at_least: int = 12) -> list[str]:
    """`count` products with plenty in stock, the last of the catalogue first (other tests
    buy from the start of it)."""
    skus = []
    for number in range(1060, 1000, -1):
        level = httpx.get(stack.url("inventory") + f"/stock/SKU-{number}").json()
        if level["quantity"] >= at_least:
            skus.append(level["sku"])
        if len(skus) == count:
            return skus
    pytest.fail("not enough products in stock")


def add_to_cart(page: Page, shop: str, sku: str) -> str:
    page.goto(f"{shop}/product/{sku}")
    name = page.get_by_role("heading", level=1).inner_text()
    buybox = page.locator(".buybox")
    buybox.get_by_role("button", name="Add to cart").click()
    expect(buybox.get_by_role("status")).to_contain_text("Added to your cart")
    return name


def fill_in_address(page: Page) -> None:
    checkout = page.locator(".checkout")
    checkout.get_by_label("Full name").fill("Ada Lovelace")
    checkout.get_by_label("Street and number").fill("1 Main Street")
    checkout.get_by_label("City").fill("Utrecht")
    checkout.get_by_label("Postcode").fill("3511 AA")


def fill_in_to_review(page: Page, card: str) -> None:
    checkout = page.locator(".checkout")
    fill_in_address(page)
    checkout.get_by_label("Country").select_option("NL")
    checkout.get_by_role("button", name="Continue to delivery").click()
    checkout.get_by_label("Express (next day)").check()
    checkout.get_by_role("button", name="Continue to payment").click()
    checkout.get_by_label("Card number").fill(card)
    checkout.get_by_label("Expiry date").fill(EXPIRY)
    checkout.get_by_label("Security code").fill("123")
    checkout.get_by_role("button", name="Review your order").click()


def test_a_shopper_buys_two_products_and_gets_an_order_number(shop, stack, page: Page):
    names = [add_to_cart(page, shop, sku) for sku in in_stock(stack, 2)]
    page.goto(shop + "/cart")
    page.get_by_role("link", name="Proceed to checkout").click()
    expect(page).to_have_title(re.compile("Checkout"))
    checkout = page.locator(".checkout")
    # A field left empty is named where it is, and the step does not move on.
    checkout.get_by_role("button", name="Continue to delivery").click()
    expect(checkout.locator("#checkout-name-error")).to_have_text("Enter the name to deliver to.")
    expect(checkout.get_by_label("Full name")).to_have_attribute("aria-invalid", "true")
    fill_in_to_review(page, GOOD_CARD)
    for name in names:
        expect(checkout.locator(".checkout__lines")).to_contain_text(name)
    expect(checkout.locator("[data-review=card]")).to_have_text("Card ending 4242")
    screenshot(page, "checkout-review")
    checkout.get_by_role("button", name="Place order").click()
    expect(checkout.get_by_role("heading", name="Thank you for your order")).to_be_visible()
    number = checkout.locator("[data-order-number]").inner_text()
    assert re.fullmatch(r"T[0-9]{8}", number)
    expect(checkout.get_by_role("status")).to_contain_text(f"Your order {number} is placed")
    expect(page.locator("[data-cart-count]")).to_have_text("0")  # the header heard it
    screenshot(page, "checkout-confirmation")
    page.go_back()  # once placed, Back leaves the checkout, over its steps
    expect(page).to_have_url(re.compile(r"/cart$"))
    page.reload()
    expect(page.locator(".cart__empty")).to_be_visible()


def test_a_declined_card_is_told_plainly_and_the_cart_is_intact(shop, stack, page: Page):
    [sku] = in_stock(stack, 1)
    name = add_to_cart(page, shop, sku)
    page.goto(shop + "/checkout")
    fill_in_to_review(page, DECLINED_CARD)
    checkout = page.locator(".checkout")
    checkout.get_by_role("button", name="Place order").click()
    status = checkout.get_by_role("status")
    expect(status).to_contain_text("Your card was declined. Nothing was charged")
    expect(status).to_contain_text("your cart is unchanged")
    expect(checkout.get_by_label("Card number")).to_be_focused()  # back at the payment step
    screenshot(page, "checkout-declined")
    page.goto(shop + "/cart")
    expect(page.locator(".cart__line")).to_have_count(1)
    expect(page.locator(".cart__line").get_by_role("link")).to_have_text(name)


def test_a_second_tab_is_told_the_order_is_already_being_placed(shop, stack, page: Page):
    [sku] = in_stock(stack, 1)
    add_to_cart(page, shop, sku)
    other = page.context.new_page()  # the same shopper, in another tab
    for tab in (page, other):
        tab.goto(shop + "/checkout")
        fill_in_to_review(tab, GOOD_CARD)
    admin = {"Authorization": f"Bearer {stack.secrets['TESSERA_STUB_ADMIN_TOKEN']}"}
    slow = {"inventory": "/reservations", "payments": "/authorisations"}
    try:
        # Placing the first takes a few seconds: the second tab asks meanwhile.
        for backend, prefix in slow.items():
            httpx.put(
                stack.url(backend) + "/_faults", json={prefix: {"delay_ms": 1800}}, headers=admin
            ).raise_for_status()
        page.locator(".checkout").get_by_role("button", name="Place order").click()
        expect(page.locator(".checkout").get_by_role("status")).to_have_text("Placing your order…")
        second = other.locator(".checkout")
        second.get_by_role("button", name="Place order").click()
        expect(second.get_by_role("status")).to_contain_text(
            "An order for this cart is already being placed, perhaps in another tab"
        )
        screenshot(other, "checkout-second-tab")
        first = page.locator(".checkout")
        expect(first.get_by_role("heading", name="Thank you for your order")).to_be_visible(
            timeout=20_000
        )
    finally:
        for backend in slow:
            httpx.delete(stack.url(backend) + "/_faults", headers=admin)
    page.goto(shop + "/cart")
    expect(page.locator(".cart__empty")).to_be_visible()  # bought once


def test_a_cart_changed_while_pricing_is_out_shows_no_subtotal(
    shop, stack, page: Page, faults: Faults
):
    """The cart took the change, so it is answered as done, without prices (`complete`
    false): the page shows no subtotal figure (not €0.00) and says prices are unavailable."""
    [sku] = in_stock(stack, 1)
    add_to_cart(page, shop, sku)
    page.goto(shop + "/cart")
    cart = page.locator(".cart")
    subtotal = cart.locator("[data-subtotal]")
    expect(subtotal).to_have_text(re.compile(r"€[0-9,]+\.[0-9]{2}"))
    unavailable = cart.get_by_text("Prices are unavailable right now")
    expect(unavailable).to_be_hidden()
    faults.down("pricing")
    quantity = cart.locator(".cart__line input")
    quantity.fill("2")
    quantity.dispatch_event("change")
    expect(cart.get_by_role("status")).to_have_text("Quantity updated.")
    expect(quantity).to_have_value("2")
    expect(subtotal).to_have_text("")
    expect(unavailable).to_be_visible()
    screenshot(page, "cart-without-prices")
    faults.clear("pricing")
    quantity.fill("1")
    quantity.dispatch_event("change")
    expect(subtotal).to_have_text(re.compile(r"€[0-9,]+\.[0-9]{2}"))
    expect(unavailable).to_be_hidden()
    cart.get_by_role("button", name=re.compile("^Remove")).click()  # leave the cart empty
    expect(cart.locator(".cart__empty")).to_be_visible()


def test_enter_moves_on_a_step_and_never_places_an_order_unseen(shop, stack, page: Page):
    """Enter in a field submits the form: it must mean the step's own Continue, as for
    anyone who fills a form from the keyboard, not skip a step nor place the order."""
    [sku] = in_stock(stack, 1)
    add_to_cart(page, shop, sku)
    page.goto(shop + "/checkout")
    checkout = page.locator(".checkout")
    fill_in_address(page)
    checkout.get_by_label("Postcode").press("Enter")
    expect(checkout.locator('[data-step="delivery"]')).to_be_visible()
    checkout.get_by_label("Express (next day)").press("Enter")
    expect(checkout.locator('[data-step="payment"]')).to_be_visible()
    expect(checkout.get_by_label("Card number")).not_to_have_attribute("aria-invalid", "true")
    checkout.get_by_label("Card number").fill(GOOD_CARD)
    checkout.get_by_label("Expiry date").fill(EXPIRY)
    checkout.get_by_label("Security code").fill("123")
    checkout.get_by_label("Security code").press("Enter")
    expect(checkout.locator('[data-step="review"]')).to_be_visible()
    expect(checkout.locator("[data-review=card]")).to_have_text("Card ending 4242")
    expect(page.locator("[data-cart-count]")).to_have_text("1")  # nothing was ordered


def test_an_order_for_a_cart_changed_in_another_tab_is_not_placed(shop, stack, page: Page):
    """Reviewed with one unit, three in the cart by the time Place order is clicked: the
    shopper is asked to review again rather than charged for what they did not see."""
    [sku] = in_stock(stack, 1)
    add_to_cart(page, shop, sku)
    page.goto(shop + "/checkout")
    fill_in_to_review(page, GOOD_CARD)
    other = page.context.new_page()
    other.goto(shop + "/cart")
    quantity = other.locator(".cart__line").first.get_by_role("spinbutton")
    quantity.fill("3")
    quantity.press("Tab")
    expect(other.locator("[data-count]")).to_have_text("3 items")
    checkout = page.locator(".checkout")
    checkout.get_by_role("button", name="Place order").click()
    expect(checkout.get_by_role("status")).to_contain_text("Your cart changed since you opened")
    expect(checkout.get_by_role("heading", name="Thank you for your order")).to_be_hidden()
    other.goto(shop + "/cart")
    expect(other.locator(".cart__line").first.get_by_role("spinbutton")).to_have_value("3")


def test_back_and_reload_keep_the_shopper_in_the_checkout(shop, stack, page: Page):
    """Back returns to the step before (not out of the checkout), Forward to the next, and
    a reload keeps the address typed, never the card."""
    [sku] = in_stock(stack, 1)
    add_to_cart(page, shop, sku)
    page.goto(shop + "/checkout")
    checkout = page.locator(".checkout")
    fill_in_to_review(page, GOOD_CARD)
    expect(checkout.locator('[data-step="review"]')).to_be_visible()
    page.go_back()
    expect(checkout.locator('[data-step="payment"]')).to_be_visible()
    expect(page).to_have_url(re.compile(r"/checkout$"))  # still the checkout
    page.go_back()
    expect(checkout.locator('[data-step="delivery"]')).to_be_visible()
    page.go_forward()
    expect(checkout.locator('[data-step="payment"]')).to_be_visible()
    expect(checkout.get_by_label("Card number")).to_have_value(GOOD_CARD)  # the form's own
    page.reload()
    expect(checkout.locator('[data-step="address"]')).to_be_visible()
    expect(checkout.get_by_label("Full name")).to_have_value("Ada Lovelace")
    expect(checkout.get_by_label("Postcode")).to_have_value("3511 AA")
    expect(checkout.get_by_label("Express (next day)")).to_be_checked()
    expect(checkout.get_by_label("Card number")).to_have_value("")  # never kept


def test_the_page_reads_an_expiry_as_the_shop_does(shop, stack, page: Page):
    """12/99 is 1999 to the shop (the century around today): the page says the card has
    expired before the shopper reviews, rather than let them through to a refusal; a date
    more than twenty years ahead is a slip, said so too."""
    [sku] = in_stock(stack, 1)
    add_to_cart(page, shop, sku)
    page.goto(shop + "/checkout")
    checkout = page.locator(".checkout")
    fill_in_to_review(page, GOOD_CARD)
    checkout.get_by_role("button", name="Back").last.click()  # to the payment step
    expiry, error = checkout.get_by_label("Expiry date"), checkout.locator("#checkout-expiry-error")
    for typed, said in [
        ("12/99", "This card has expired."),
        (f"12/{(date.today().year + 25) % 100:02d}", "no card is valid for more than 20 years"),
    ]:
        expiry.fill(typed)
        checkout.get_by_role("button", name="Review your order").click()
        expect(error).to_contain_text(said)
        expect(checkout.locator('[data-step="payment"]')).to_be_visible()
    expiry.fill(EXPIRY)
    checkout.get_by_role("button", name="Review your order").click()
    expect(checkout.locator('[data-step="review"]')).to_be_visible()
