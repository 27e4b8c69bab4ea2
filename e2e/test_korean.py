"""The Korean storefront in a real browser (issue 17): the header's switch turns the shop
into Korean, a shopper browses, buys and checks out in it, with prices in won and the charge
said in euros, and switches back to English; nothing shifts on the way. The catalog speaks
Korean too: product and category names, the pages' titles (the primaries', and the
registry's Korean titles of the pages without one), search, a price range in won."""

import re

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.conftest import checked_page, screenshot, wait_until_served
from e2e.test_checkout import EXPIRY, in_stock
from e2e.test_shop_edges import LAYOUT_SHIFT

pytestmark = pytest.mark.e2e

WON = re.compile(r"₩[0-9]{1,3}(,[0-9]{3})*$")
HANGUL = re.compile("[\uac00-\ud7a3]")
EUROS = re.compile(r"€[0-9,]+\.[0-9]{2}")


@pytest.fixture
def shop(stack) -> str:
    """The storefront's URL, once the pages this walk opens are served."""
    url = stack.url("shell")
    wait_until_served(url + "/product/SKU-1001", "buybox__add")
    wait_until_served(url + "/c/kitchen", "listing__card")
    wait_until_served(url + "/checkout", 'class="checkout"')
    return url


@pytest.fixture
def wide_page(browser: Browser):
    with checked_page(browser, viewport={"width": 1366, "height": 900}) as page:
        yield page


def _switch(page: Page, language: str) -> None:
    page.get_by_role("navigation", name=re.compile("Language|언어")).get_by_role(
        "link", name=language
    ).click()


def test_a_shopper_switches_to_korean_buys_and_switches_back(shop, stack, wide_page: Page):
    page = wide_page
    sku = in_stock(stack, 1)[0]
    page.goto(shop + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Today's deals")
    expect(page).to_have_title("Tessera — a shop of many parts")
    _switch(page, "한국어")
    expect(page).to_have_url(shop + "/")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_role("heading", level=1)).to_have_text("오늘의 특가")
    # A page without a primary has the registry's title in the page's language.
    expect(page).to_have_title("Tessera — 여러 조각으로 이루어진 상점")
    languages = page.get_by_role("navigation", name="언어")
    expect(languages.get_by_role("link", name="한국어")).to_have_attribute("aria-current", "true")
    expect(page.locator(".hero__price strong").first).to_have_text(WON)
    expect(page.locator(".site-footer")).to_contain_text("쇼핑 안내")
    assert page.evaluate(LAYOUT_SHIFT) < 0.05
    screenshot(page, "korean-home")

    # A category: its words, its name, its products' names and its prices in Korean.
    page.get_by_role("navigation", name="카테고리").get_by_role("link", name="주방").click()
    expect(page).to_have_url(shop + "/c/kitchen")
    expect(page).to_have_title("주방 · Tessera")
    expect(page.get_by_role("heading", level=1)).to_have_text("주방")
    expect(page.locator(".listing__count")).to_have_text(re.compile(r"^상품 [0-9]+개$"))
    expect(page.get_by_role("link", name="어반 전기포트")).to_be_visible()  # SKU-1001
    expect(page.locator(".listing__name").first).to_have_text(HANGUL)
    expect(page.get_by_text("Urban Kettle")).to_have_count(0)
    expect(page.get_by_role("form", name="정렬 및 필터")).to_be_visible()
    expect(page.locator(".listing__now").first).to_have_text(WON)

    # Its price range in won: from and to the first product's price keeps that price only.
    first_price = page.locator(".listing__now").first.inner_text()
    won = first_price.removeprefix("₩").replace(",", "")
    page.get_by_label("최저 가격(원)").fill(won)
    page.get_by_label("최고 가격(원)").fill(won)
    page.get_by_role("button", name="적용").click()
    expect(page).to_have_url(re.compile(rf"/c/kitchen\?.*min={won}&max={won}"))
    prices = page.locator(".listing__now")
    expect(prices.first).to_have_text(first_price)
    assert set(prices.all_inner_texts()) == {first_price}
    # The range is in won: the switch to English leaves it behind.
    english = page.get_by_role("navigation", name="언어").get_by_role("link", name="English")
    expect(english).to_have_attribute("href", re.compile(r"next=%2Fc%2Fkitchen"))
    expect(english).not_to_have_attribute("href", re.compile("min|max"))

    # Search in Korean: a Korean word finds the catalog's products, named in Korean.
    page.get_by_role("searchbox").fill("램프")
    page.get_by_role("searchbox").press("Enter")
    expect(page).to_have_title(re.compile("^램프 — 검색"))
    expect(page.get_by_role("heading", level=1)).to_have_text("“램프” 검색 결과")
    page.get_by_role("link", name="노르딕 램프").click()  # SKU-1041, the Nordic Lamp
    expect(page).to_have_url(shop + "/product/SKU-1041")
    expect(page).to_have_title("노르딕 램프 · Tessera")
    expect(page.get_by_role("heading", level=1)).to_have_text("노르딕 램프")
    expect(page.locator(".product__crumbs")).to_contain_text("홈·리빙")
    expect(page.locator(".product__specs")).to_contain_text("색상")

    # A product: its name and the buy box in Korean; adding tells the header.
    page.goto(f"{shop}/product/{sku}")
    name = httpx.get(
        stack.url("catalog") + f"/products/{sku}", headers={"Accept-Language": "ko"}
    ).json()["name"]
    assert HANGUL.search(name)
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page).to_have_title(f"{name} · Tessera")
    buybox = page.locator(".buybox")
    expect(buybox.locator(".buybox__now")).to_have_text(WON)
    expect(buybox.locator(".buybox__stock")).to_have_text(re.compile("재고"))
    expect(page.get_by_role("heading", name="상품 사양")).to_be_visible()
    assert page.evaluate(LAYOUT_SHIFT) < 0.05
    screenshot(page, "korean-product")
    buybox.get_by_label("수량").select_option("2")
    buybox.get_by_role("button", name="장바구니 담기").click()
    expect(buybox.get_by_role("status")).to_contain_text("장바구니에 담았습니다.")
    expect(page.locator("[data-cart-count]")).to_have_text("2")
    expect(page.locator(".site-header__cart")).to_have_attribute("aria-label", "장바구니, 상품 2개")

    # The cart: amounts in won, and how the card is charged.
    buybox.get_by_role("link", name="장바구니 보기").click()
    expect(page).to_have_url(shop + "/cart")
    expect(page).to_have_title("장바구니 · Tessera")
    cart = page.locator(".cart")
    expect(cart.get_by_role("heading", level=1)).to_have_text("장바구니")
    expect(cart.locator(".cart__name")).to_have_text(name)
    expect(cart.locator("[data-subtotal]")).to_have_text(WON)
    expect(cart).to_contain_text("결제는 유로(EUR)로 청구됩니다")
    expect(cart.get_by_role("button", name=re.compile("삭제$"))).to_have_count(1)
    screenshot(page, "korean-cart")
    cart.get_by_role("spinbutton").fill("1")
    cart.get_by_role("spinbutton").press("Enter")
    expect(cart.get_by_role("status")).to_have_text("수량을 변경했습니다.")
    expect(cart.locator("[data-count]")).to_have_text("상품 1개")

    # Checkout: Korean steps and messages; the card is charged in euros, and it says so.
    cart.get_by_role("link", name="결제하기").click()
    checkout = page.locator(".checkout")
    expect(checkout.get_by_role("heading", level=1)).to_have_text("주문/결제")
    checkout.get_by_role("button", name="배송 방법 선택").click()
    expect(checkout.locator("#checkout-name-error")).to_have_text("받는 분 이름을 입력해 주세요.")
    checkout.get_by_label("이름").fill("김하나")
    checkout.get_by_label("도로명 주소").fill("1 Main Street")
    checkout.get_by_label("도시").fill("Utrecht")
    checkout.get_by_label("우편번호").fill("3511 AA")
    checkout.get_by_label("국가").select_option("NL")
    checkout.get_by_role("button", name="배송 방법 선택").click()
    checkout.get_by_label("일반 배송 (3~5일)").check()
    checkout.get_by_role("button", name="결제 정보 입력").click()
    checkout.get_by_label("카드 번호").fill("4242 4242 4242 4242")
    checkout.get_by_label("유효기간").fill(EXPIRY)
    checkout.get_by_label("보안 코드(CVC)").fill("123")
    checkout.get_by_role("button", name="주문 내용 확인").click()
    expect(checkout.locator("[data-review=total]")).to_have_text(WON)
    expect(checkout.locator("[data-review=charged]")).to_have_text(EUROS)
    expect(checkout.locator("[data-review=card]")).to_have_text("끝자리 4242 카드")
    screenshot(page, "korean-checkout-review")
    checkout.get_by_role("button", name="주문하기").click()
    expect(checkout.get_by_role("heading", name="주문해 주셔서 감사합니다")).to_be_visible()
    expect(checkout.locator("[data-charged]")).to_have_text(EUROS)
    expect(checkout.get_by_role("status")).to_contain_text("주문이 완료되었습니다")

    # Back to English, on the same page.
    _switch(page, "English")
    expect(page).to_have_url(shop + "/checkout")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".checkout").get_by_role("heading", level=1)).to_have_text("Checkout")
    english = page.get_by_role("navigation", name="Language")
    expect(english.get_by_role("link", name="English")).to_have_attribute("aria-current", "true")


def _tops(page: Page) -> list[int]:
    """Where the header ends and where the buy box's price and button begin."""
    header = page.locator(".site-header").bounding_box()
    assert header is not None
    tops = [round(header["y"] + header["height"])]
    for part in (".buybox__now", ".buybox__add"):
        box = page.locator(part).bounding_box()
        assert box is not None
        tops.append(round(box["y"]))
    return tops


def test_the_korean_store_fits_a_phone(shop, phone_page: Page):
    page = phone_page
    page.goto(shop + "/_locale/ko?next=/")
    expect(page.get_by_role("heading", level=1)).to_have_text("오늘의 특가")
    switch = page.get_by_role("navigation", name="언어")
    expect(switch.get_by_role("link", name="한국어")).to_be_visible()  # "KO" on a phone
    screenshot(page, "korean-home-phone")
    page.goto(shop + "/product/SKU-1001")
    expect(page.get_by_role("heading", level=1)).to_have_text("어반 전기포트")
    buybox = page.locator(".buybox")
    expect(buybox.get_by_role("button", name="장바구니 담기")).to_be_enabled()
    screenshot(page, "korean-product-phone")
    assert page.evaluate(LAYOUT_SHIFT) < 0.01
    korean = _tops(page)
    page.goto(shop + "/_locale/en?next=/product/SKU-1001")
    expect(page.locator(".buybox__add")).to_have_text("Add to cart")
    assert _tops(page) == korean  # the Korean page is laid out as the English one
    page.goto(shop + "/_locale/ko?next=/product/SKU-1001")
    buybox.get_by_role("button", name="장바구니 담기").click()
    expect(buybox.get_by_role("status")).to_contain_text("장바구니에 담았습니다.")
    page.goto(shop + "/cart")
    expect(page.locator(".cart [data-subtotal]")).to_have_text(WON)
    screenshot(page, "korean-cart-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
