"""The checkout fragment: its page, and its BFF, which prices the cart, makes a token of the
card and hands the orders service the saga, then reports how it ends in words for people."""

import asyncio
import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import unquote

import httpx
import pytest
from ninja.testing import TestAsyncClient

from fragments.checkout import fragment as checkout_fragment
from fragments.checkout.fragment import bff, fragment, render, saga_key
from fragments.kit.views import fragment_view
from tests.fragments.conftest import VISITOR, fragment_request, visitor_headers

KEY = "0f8e7d6c-5b4a-4321-8000-123456789abc"
SAGA = saga_key(VISITOR, KEY)
CART = {"visitor": VISITOR, "items": [{"sku": "SKU-1001", "quantity": 2}], "count": 2}
ORDER = {
    "key": KEY,
    "delivery": "express",
    "address": {"name": "Ada Lovelace", "street": "1 Main St", "city": "Utrecht",
                "postcode": "3511 AA", "country": "NL"},
    "card": {"number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123"},
}  # fmt: skip
TOKEN = "card_" + "a" * 24


def checkout(status="completed", reason="", number="T00000042") -> dict:
    return {
        "key": SAGA,
        "visitor": VISITOR,
        "status": status,
        "step": "",
        "reason": reason,
        "detail": "",
        "order_number": number,
        "total_cents": 4988,
        "currency": "EUR",
    }


#: The real clock, before the tests put theirs in its place.
REAL_TODAY = checkout_fragment.today
#: The day the tests run on, as far as a card's expiry goes (ORDER's card is valid then).
TODAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(checkout_fragment, "today", lambda: TODAY)


@pytest.fixture
def client() -> TestAsyncClient:
    return TestAsyncClient(bff)


def sells(backends, sku: str, name: str, cents: int = 1999) -> None:
    """The catalog and pricing backends answer for one product, `sku`."""
    backends.on("catalog", "GET", "/products", {"total": 1, "items": [{"sku": sku, "name": name}]})
    backends.on("pricing", "GET", "/prices", [
        {"sku": sku, "price_cents": cents, "list_price_cents": cents, "currency": "EUR",
         "deal": False}
    ])  # fmt: skip


@pytest.fixture
def shop(fake_backends):
    fake_backends.on("cart", "GET", f"/carts/{VISITOR}", CART)
    sells(fake_backends, "SKU-1001", "Urban Kettle")
    fake_backends.on("payments", "POST", "/cards", {"token": TOKEN, "last4": "4242"})
    fake_backends.on("orders", "POST", "/checkouts", checkout())
    fake_backends.on("orders", "GET", "/delivery-options", [
        {"method": "standard", "cents": 0}, {"method": "express", "cents": 990}
    ])  # fmt: skip
    return fake_backends


def place(client, order=ORDER):
    return asyncio.run(client.post("/orders", json=order, headers=visitor_headers()))


def test_placing_an_order_hands_the_orders_service_a_priced_saga(client, shop):
    placed = place(client)
    assert placed.status_code == 200
    assert placed.json() == {
        "key": KEY,
        "status": "completed",
        "message": "Thank you! Your order T00000042 is placed.",
        "reason": "",
        "order_number": "T00000042",
        "total_cents": 4988,
        "currency": "EUR",
        "cart_count": 2,
    }
    card = next(body for name, _, _, body in shop.calls if name == "payments")
    assert card == {"number": "4242424242424242", "expiry": "12/30", "cvc": "123"}
    saga = next(
        body for name, method, _, body in shop.calls if (name, method) == ("orders", "POST")
    )
    assert saga == {
        "key": SAGA,
        "visitor": VISITOR,
        "lines": [{"sku": "SKU-1001", "name": "Urban Kettle", "quantity": 2, "unit_cents": 1999}],
        "currency": "EUR",
        "delivery": "express",
        "address": ORDER["address"],
        "card": TOKEN,  # never the number
    }


def test_a_key_is_bound_to_its_visitor():
    assert saga_key(VISITOR, KEY) != saga_key("visitor-someone-else", KEY)
    assert saga_key(VISITOR, KEY) == SAGA


def test_a_declined_card_is_said_plainly(client, shop):
    shop.on("orders", "POST", "/checkouts", checkout("failed", "declined", ""))
    state = place(client).json()
    assert state["status"] == "failed" and state["order_number"] == ""
    assert state["message"].startswith("Your card was declined. Nothing was charged")
    assert "cart is unchanged" in state["message"]


def test_a_pending_checkout_is_asked_about_again(client, shop):
    shop.on("orders", "POST", "/checkouts", checkout("pending", number=""))
    assert place(client).json()["status"] == "pending"
    shop.on("orders", "GET", f"/checkouts/{SAGA}", checkout())
    state = asyncio.run(client.get(f"/orders/{KEY}", headers=visitor_headers()))
    assert state.json()["order_number"] == "T00000042"
    other = visitor_headers("visitor-someone-else")
    assert asyncio.run(client.get(f"/orders/{KEY}", headers=other)).status_code == 404


def test_an_empty_cart_places_nothing(client, shop):
    shop.on("cart", "GET", f"/carts/{VISITOR}", {"visitor": VISITOR, "items": [], "count": 0})
    refused = place(client)
    assert refused.status_code == 409 and refused.json()["detail"] == "Your cart is empty."
    assert not started(shop) and not any(name == "payments" for name, *_ in shop.calls)


def started(shop) -> bool:
    """Whether a checkout was started (the orders service asked to place one)."""
    return any((name, method) == ("orders", "POST") for name, method, *_ in shop.calls)


def test_orders_down_is_a_502_and_no_checkout_is_started_blind(client, shop):
    shop.down.add("orders")
    failed = place(client)
    assert failed.status_code == 502 and "please try again" in failed.json()["detail"]
    assert not any(name == "payments" for name, *_ in shop.calls)


def test_a_retried_order_joins_its_checkout_even_once_the_cart_is_empty(client, shop):
    shop.on("orders", "GET", f"/checkouts/{SAGA}", checkout())  # placed: the answer was lost
    shop.on("cart", "GET", f"/carts/{VISITOR}", {"visitor": VISITOR, "items": [], "count": 0})
    shop.down.add("payments")
    again = place(client)
    assert again.status_code == 200 and again.json()["order_number"] == "T00000042"
    assert not started(shop)


def test_a_checkout_whose_start_timed_out_is_reported_as_it_stands(client, shop):
    shop.on("orders", "POST", "/checkouts", {"detail": "upstream timeout"}, 504)
    calls = []

    def lookup(request):  # not there before the start; there after it, the saga under way
        calls.append(request)
        if len(calls) == 1:
            return httpx.Response(404, json={"detail": "Not Found"})
        return httpx.Response(200, json=checkout("pending", number=""))

    shop.on("orders", "GET", f"/checkouts/{SAGA}", lookup)
    state = place(client)
    assert state.status_code == 200 and state.json()["status"] == "pending"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"key": "short"}, "key"),
        ({"delivery": "drone"}, "delivery"),
        ({"address": ORDER["address"] | {"name": "  "}}, "name"),
        ({"address": ORDER["address"] | {"country": "XX"}}, "country"),
        ({"card": ORDER["card"] | {"number": "4242-4242"}}, "number"),
        ({"card": ORDER["card"] | {"expiry": "1/30"}}, "expiry"),
        ({"card": ORDER["card"] | {"cvc": "12345"}}, "cvc"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_reaches_no_backend(client, shop, change, field):
    refused = place(client, ORDER | change)
    assert refused.status_code == 422 and field in str(refused.json()["detail"])
    assert shop.calls == []


def test_an_invalid_card_number_is_refused_by_payments_naming_the_field(client, shop):
    shop.on("payments", "POST", "/cards", {"detail": [
        {"loc": ["body", "card", "number"], "msg": "the card number is not valid"}
    ]}, 422)  # fmt: skip
    refused = place(client)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] == "number"
    assert not started(shop)


def test_writes_need_a_visitor(client, shop):
    assert asyncio.run(client.post("/orders", json=ORDER)).status_code == 401


def test_the_page_has_every_step_labelled_and_the_cart_priced(shop):
    html = asyncio.run(render(fragment_request())).html
    for legend in ("Delivery address", "Delivery", "Payment", "Review your order"):
        assert f"<legend>{legend}</legend>" in html
    for field in ("name", "street", "city", "postcode", "country", "number", "expiry", "cvc"):
        assert f'<label for="checkout-{field}">' in html
        assert f'aria-describedby="checkout-{field}-error"' in html
    assert "Urban Kettle" in html and "€39.98" in html and "€9.90" in html


def test_the_page_of_an_empty_cart_says_so(shop):
    shop.on("cart", "GET", f"/carts/{VISITOR}", {"visitor": VISITOR, "items": [], "count": 0})
    html = asyncio.run(render(fragment_request())).html
    assert "Your cart is empty" in html and "<form" not in html


@pytest.mark.parametrize(("locale", "title"), [("en", "Checkout"), ("ko", "주문/결제")])
def test_the_page_title_is_sent_in_the_pages_language(shop, locale, title):
    request = fragment_request()
    request.META["HTTP_X_TESSERA_LOCALE"] = locale
    answer = asyncio.run(fragment_view(fragment, "1.0")(request))
    assert answer.status_code == 200 and unquote(answer["X-Page-Title"]) == title


#: The orders service's refusal of a second checkout (backends/orders/api.py `busy`).
BUSY = {
    "detail": [
        {
            "type": "busy",
            "msg": "An order for this cart is already being placed. Please wait until it is "
            "finished before placing another.",
        }
    ]
}


@pytest.mark.parametrize(
    ("headers", "said"),
    [
        ({}, "An order for this cart is already being placed, perhaps in another tab"),
        ({"x-tessera-locale": "ko"}, "이 장바구니의 주문이 이미 처리되고 있습니다"),
    ],
)
def test_a_second_order_while_the_first_is_being_placed_is_told_in_words(
    client, shop, headers, said
):
    shop.on("orders", "POST", "/checkouts", BUSY, 409)
    refused = asyncio.run(
        client.post("/orders", json=ORDER, headers={**visitor_headers(), **headers})
    )
    assert refused.status_code == 409 and refused.json()["detail"].startswith(said)


OTHER_LINES = {"detail": "this key was used for an order with other lines, total"}


def test_a_key_placing_an_order_for_other_lines_reports_that_order(client, shop):
    """Not "already being placed": this attempt's own key placed an order (for the cart as
    it was when the first try's answer was lost); the retry reports that one."""
    lookups = []

    def lookup(request):  # not there before the start (a race), there after it
        lookups.append(request)
        if len(lookups) == 1:
            return httpx.Response(404, json={"detail": "Not Found"})
        return httpx.Response(200, json=checkout())

    shop.on("orders", "GET", f"/checkouts/{SAGA}", lookup)
    shop.on("orders", "POST", "/checkouts", OTHER_LINES, 409)
    state = place(client)
    assert state.status_code == 200 and state.json()["order_number"] == "T00000042"


@pytest.mark.parametrize(
    ("headers", "said"),
    [
        ({}, "This order could not be placed as it is. Please reload the page"),
        ({"x-tessera-locale": "ko"}, "이 주문은 지금 내용대로 처리할 수 없습니다"),
    ],
)
def test_another_conflict_is_not_told_as_an_order_being_placed(client, shop, headers, said):
    shop.on("orders", "POST", "/checkouts", OTHER_LINES, 409)
    refused = asyncio.run(
        client.post("/orders", json=ORDER, headers={**visitor_headers(), **headers})
    )
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith(said)
    assert "already being placed" not in refused.json()["detail"]


def saga_lines(shop) -> list[dict]:
    return next(
        body["lines"]
        for name, method, _, body in shop.calls
        if (name, method) == ("orders", "POST")
    )


@pytest.mark.parametrize("outage", ["down", "failing"])
def test_an_order_is_placed_while_the_catalog_is_out_its_lines_named_by_their_sku(
    client, shop, outage
):
    if outage == "down":
        shop.down.add("catalog")
    else:
        shop.on("catalog", "GET", "/products", {"detail": "Internal Server Error"}, 500)
    placed = place(client)
    assert placed.status_code == 200 and placed.json()["status"] == "completed"
    assert saga_lines(shop) == [
        {"sku": "SKU-1001", "name": "SKU-1001", "quantity": 2, "unit_cents": 1999}
    ]


def test_the_page_reviews_the_order_with_skus_while_the_catalog_is_out(shop):
    shop.down.add("catalog")
    html = asyncio.run(render(fragment_request())).html
    assert '<span class="checkout__name">SKU-1001</span>' in html and "€39.98" in html
    assert "<form" in html and "cannot be shown" not in html


def test_without_prices_no_order_is_placed(client, shop):
    shop.down.add("pricing")
    assert place(client).status_code == 502 and not started(shop)


def test_the_clock_is_the_current_date_where_it_is_earliest():
    """Not a year written in the code: today's date, where it is earliest (UTC-12), as a
    card is good to the end of its month wherever the shopper is."""
    before = (datetime.now(UTC) - timedelta(hours=12)).date()
    now = REAL_TODAY()
    assert before <= now <= (datetime.now(UTC) - timedelta(hours=12)).date()


@pytest.mark.parametrize(
    ("expiry", "said"),
    [
        ("01/20", "This card has expired."),  # the tester's card
        ("11/26", "This card has expired."),  # last month
        ("13/26", "Enter the expiry date as MM/YY."),
        ("00/27", "Enter the expiry date as MM/YY."),
        ("1/27", "Enter the expiry date as MM/YY."),
        ("12/٢٧", "Enter the expiry date as MM/YY."),  # Arabic-Indic digits are not digits here
        ("01/47", "Check the expiry date: no card is valid for more than 20 years."),
        ("12/60", "Check the expiry date: no card is valid for more than 20 years."),
        ("12/99", "This card has expired."),  # 1999: a YY is read in the current century's window
    ],
)
def test_a_card_that_cannot_pay_today_is_refused_naming_the_field(client, shop, expiry, said):
    refused = place(client, ORDER | {"card": ORDER["card"] | {"expiry": expiry}})
    assert refused.status_code == 422
    ((problem,),) = [refused.json()["detail"]]
    assert (problem["loc"][-1], problem["msg"]) == ("expiry", said)
    assert not started(shop)  # and no card token made
    assert not any(name == "payments" for name, *_ in shop.calls)


def test_a_retry_joins_its_checkout_even_once_its_card_has_expired(client, shop, monkeypatch):
    """A month's end between the first try (whose answer was lost) and its retry: the order
    was placed with a card good then; the retry reports it, it does not refuse the card."""
    shop.on("orders", "GET", f"/checkouts/{SAGA}", checkout())
    monkeypatch.setattr(checkout_fragment, "today", lambda: date(2031, 1, 1))  # ORDER's: 12/30
    again = place(client)
    assert again.status_code == 200 and again.json()["order_number"] == "T00000042"
    assert not started(shop)


@pytest.mark.parametrize("expiry", ["12/26", "01/27", "12/46"])  # this month, 20 years ahead
def test_a_card_good_this_month_or_up_to_twenty_years_ahead_pays(client, shop, expiry):
    placed = place(client, ORDER | {"card": ORDER["card"] | {"expiry": expiry}})
    assert placed.status_code == 200 and placed.json()["status"] == "completed"


def test_the_expiry_follows_the_clock_not_a_year_in_the_code(client, shop, monkeypatch):
    card = ORDER | {"card": ORDER["card"] | {"expiry": "12/30"}}
    monkeypatch.setattr(checkout_fragment, "today", lambda: date(2031, 1, 1))
    assert place(client, card).status_code == 422
    monkeypatch.setattr(checkout_fragment, "today", lambda: date(2095, 6, 1))
    assert place(client, ORDER | {"card": ORDER["card"] | {"expiry": "01/05"}}).status_code == 200


@pytest.mark.parametrize(
    ("expiry", "said"),
    [
        ("01/20", "유효기간이 지난 카드입니다."),
        ("13/26", "유효기간을 MM/YY 형식으로 입력해 주세요."),
        ("01/47", "유효기간을 확인해 주세요: 20년이 넘게 유효한 카드는 없습니다."),
    ],
)
def test_a_card_that_cannot_pay_today_is_refused_in_the_pages_language(client, shop, expiry, said):
    refused = asyncio.run(
        client.post(
            "/orders",
            json=ORDER | {"card": ORDER["card"] | {"expiry": expiry}},
            headers={**visitor_headers(), "x-tessera-locale": "ko"},
        )
    )
    assert refused.status_code == 422
    assert [(p["loc"][-1], p["msg"]) for p in refused.json()["detail"]] == [("expiry", said)]


@pytest.mark.parametrize(
    "name",
    [
        "\u200b",  # a zero-width space: nothing shows
        "\u200b\u200d\ufeff",
        "\u00a0\u3000",
        "Ada \u202eecalevoL",  # a bidi override: the name would read backwards
        "Ada\u2066 Lovelace\u2069",
        "Ada\u2028Lovelace",  # a line separator
        "Ada\u2029Lovelace",
        "Ada\u0085",  # NEL, a C1 control
    ],
)
def test_an_address_line_that_is_not_one_visible_line_is_refused(client, shop, name):
    refused = place(client, ORDER | {"address": ORDER["address"] | {"name": name}})
    assert refused.status_code == 422
    assert [p["loc"][-1] for p in refused.json()["detail"]] == ["name"]
    assert shop.calls == []


@pytest.mark.parametrize(
    "name", ["김민준", "Zoë Ågren-Łukasiewicz", "Ada 👩\u200d💻", "Ada\u00adLovelace", " Ada "]
)
def test_ordinary_names_are_taken(client, shop, name):
    placed = place(client, ORDER | {"address": ORDER["address"] | {"name": name}})
    assert placed.status_code == 200


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        ("en", "Your cart changed while this order was being placed, perhaps in another tab"),
        ("ko", "주문을 처리하는 동안 장바구니가 바뀌어"),
    ],
)
def test_a_checkout_whose_cart_changed_meanwhile_is_told_in_words(client, shop, locale, said):
    """The other tab's order took the units (or the line was removed) before this one's
    saga could: it failed, `cart_changed`, nothing charged."""
    shop.on("orders", "POST", "/checkouts", checkout("failed", "cart_changed", ""))
    headers = {**visitor_headers(), "x-tessera-locale": locale}
    state = asyncio.run(client.post("/orders", json=ORDER, headers=headers)).json()
    assert (state["status"], state["reason"], state["order_number"]) == (
        "failed",
        "cart_changed",
        "",
    )
    assert state["message"].startswith(said)
    assert state["message"] != str(checkout_fragment.UNAVAILABLE)


#: A product the shop does not sell, put in the cart while the inventory was down.
UNSOLD = {"sku": "SKU-99999999", "quantity": 99}


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        (
            "en",
            "This product cannot be bought: SKU-99999999. Please remove it from your cart, "
            "then place the order.",
        ),
        (
            "ko",
            "구매할 수 없는 상품이 있습니다: SKU-99999999. 장바구니에서 삭제한 뒤 주문해 주세요.",
        ),
    ],
)
def test_a_line_the_shop_does_not_sell_is_named_not_retried(client, shop, locale, said):
    """Pricing (and the catalog) answered, without the product: no retry will price it, so
    not a 502 (which the page retries, and which says to try again) but a 409 naming it."""
    shop.on("cart", "GET", f"/carts/{VISITOR}", CART | {"items": [*CART["items"], UNSOLD]})
    headers = {**visitor_headers(), "x-tessera-locale": locale}
    refused = asyncio.run(client.post("/orders", json=ORDER, headers=headers))
    assert refused.status_code == 409
    assert refused.json()["detail"] == said
    assert not started(shop) and not any(name == "payments" for name, *_ in shop.calls)


def test_lines_the_shop_does_not_sell_are_named_by_name_where_the_catalog_has_one(client, shop):
    shop.on("cart", "GET", f"/carts/{VISITOR}", CART | {"items": [*CART["items"], UNSOLD]})
    shop.on("pricing", "GET", "/prices", [])  # not even the kettle is priced any more
    refused = place(client)
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "These products cannot be bought: Urban Kettle (SKU-1001), SKU-99999999. Please "
        "remove them from your cart, then place the order."
    )


def test_the_page_names_a_line_the_shop_does_not_sell_instead_of_asking_for_a_reload(shop):
    shop.on("cart", "GET", f"/carts/{VISITOR}", CART | {"items": [*CART["items"], UNSOLD]})
    html = asyncio.run(render(fragment_request())).html
    assert "This product cannot be bought: SKU-99999999. Please remove it from your cart" in html
    assert '<a href="/cart">Go to your cart</a>' in html
    assert "reload the page" not in html and "<form" not in html


def test_pricing_failing_is_still_a_502_to_try_again(client, shop):
    shop.on("pricing", "GET", "/prices", {"detail": "Internal Server Error"}, 500)
    failed = place(client)
    assert failed.status_code == 502 and "please try again" in failed.json()["detail"]
    assert not started(shop)


#: Payments' refusal of a card number (pydantic's words, in English, as it sends them).
BAD_NUMBER = {
    "detail": [
        {
            "type": "value_error",
            "loc": ["body", "card", "number"],
            "msg": "Value error, the card number is not valid",
        }
    ]
}


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        ("en", "This card number is not valid: please check it."),
        ("ko", "유효하지 않은 카드 번호입니다: 다시 확인해 주세요."),
    ],
)
def test_payments_refusal_of_the_card_number_is_said_in_the_bffs_words(client, shop, locale, said):
    """Not payments' English ("Value error, ...") on a Korean page: the BFF's words, in the
    page's language, naming the field as the browser sent it."""
    shop.on("payments", "POST", "/cards", BAD_NUMBER, 422)
    headers = {**visitor_headers(), "x-tessera-locale": locale}
    refused = asyncio.run(client.post("/orders", json=ORDER, headers=headers))
    assert refused.status_code == 422
    assert refused.json()["detail"] == [
        {"type": "card_invalid", "loc": ["body", "order", "card", "number"], "msg": said}
    ]
    assert "Value error" not in refused.content.decode()
    assert not started(shop)


def test_payments_refusal_of_something_else_is_relayed_as_it_is(client, shop):
    other = {"detail": [{"type": "missing", "loc": ["body"], "msg": "Field required"}]}
    shop.on("payments", "POST", "/cards", other, 422)
    refused = place(client)
    assert refused.status_code == 422 and refused.json()["detail"] == other["detail"]


@pytest.mark.parametrize(
    ("locale", "said"),
    [("en", "Your cart changed since you opened this page"), ("ko", "이 페이지를 연 뒤")],
)
def test_an_order_for_another_cart_than_the_one_reviewed_is_refused(client, shop, locale, said):
    """The shopper reviewed €39.98 (two kettles); another tab made it three since: the order
    is refused before anything is asked of payments or orders, not placed for €59.97."""
    headers = {**visitor_headers(), "x-tessera-locale": locale}
    order = {**ORDER, "reviewed": _reviewed_on_the_page()}
    shop.on("cart", "GET", f"/carts/{VISITOR}", {**CART, "items": [
        {"sku": "SKU-1001", "quantity": 3}
    ], "count": 3})  # fmt: skip
    refused = asyncio.run(client.post("/orders", json=order, headers=headers))
    assert refused.status_code == 409 and refused.json()["detail"].startswith(said)
    assert not [call for call in shop.calls if call[0] == "payments" or call[1] == "POST"]

    shop.on("cart", "GET", f"/carts/{VISITOR}", CART)  # as reviewed: placed
    assert asyncio.run(client.post("/orders", json=order, headers=headers)).status_code == 200


def _reviewed_on_the_page() -> str:
    """The digest of the cart the checkout page shows (its `data-reviewed`)."""
    html = asyncio.run(render(fragment_request())).html
    return re.search(r'data-reviewed="([0-9a-f]{32})"', html).group(1)


def test_the_same_total_for_other_lines_is_another_cart(client, shop):
    """Reviewed: two kettles at €19.99. Since then another tab swapped them for a product of
    the same price: the subtotal is the same, the cart is not, and the order is refused."""
    reviewed = _reviewed_on_the_page()
    shop.on("cart", "GET", f"/carts/{VISITOR}", {**CART, "items": [
        {"sku": "SKU-1002", "quantity": 2}
    ]})  # fmt: skip
    sells(shop, "SKU-1002", "Urban Kettle, in red")  # the same price
    refused = place(client, {**ORDER, "reviewed": reviewed})
    assert refused.status_code == 409


@pytest.mark.parametrize("reviewed", [3998, "", "XYZ", "a" * 31, "A" * 32, True])
def test_a_reviewed_digest_that_is_not_one_is_a_422(client, shop, reviewed):
    response = place(client, {**ORDER, "reviewed": reviewed})
    assert response.status_code == 422 and "reviewed" in str(response.json()["detail"])
    assert shop.calls == []


@pytest.mark.parametrize(("locale", "country"), [("en", "NL"), ("ko", "KR")])
def test_the_form_starts_with_the_country_of_the_pages_language(shop, locale, country):
    request = fragment_request()
    request.META["HTTP_X_TESSERA_LOCALE"] = locale
    html = asyncio.run(fragment_view(fragment, "1.0")(request)).content.decode()
    assert f'<option value="{country}" selected>' in html
    assert html.count(" selected>") == 1


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        (
            "en",
            "Sorry, this product is no longer available in the quantity you chose: Urban "
            "Kettle (SKU-1001). Nothing was charged and your cart is unchanged.",
        ),
        ("ko", "죄송합니다. 선택하신 수량만큼 남아 있지 않은 상품이 있습니다: Urban Kettle"),
    ],
)
def test_a_checkout_short_of_stock_names_the_product(client, shop, locale, said):
    """The inventory named the SKU it could not hold: the shopper is told which product, by
    its name, rather than guess which line to change."""
    short = checkout("failed", "out_of_stock", "") | {
        "detail": "not enough SKU-1001 in stock: 1 available"
    }
    shop.on("orders", "POST", "/checkouts", short)
    headers = {**visitor_headers(), "x-tessera-locale": locale}
    state = asyncio.run(client.post("/orders", json=ORDER, headers=headers)).json()
    assert (state["status"], state["reason"]) == ("failed", "out_of_stock")
    assert state["message"].startswith(said)
    # Without a SKU in the inventory's words, the general message stands.
    shop.on("orders", "POST", "/checkouts", checkout("failed", "out_of_stock", ""))
    general = asyncio.run(client.post("/orders", json=ORDER, headers=visitor_headers())).json()
    assert general["message"] == str(checkout_fragment.MESSAGES["out_of_stock"])
