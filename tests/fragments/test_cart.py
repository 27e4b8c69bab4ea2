"""The cart fragment's BFF and page: every write needs a visitor and valid input."""

import asyncio

import httpx
import pytest
from ninja.testing import TestAsyncClient

from fragments.cart.fragment import bff, fragment, render
from fragments.kit.views import fragment_view
from tests.fragments.conftest import VISITOR, fragment_request, visitor_headers

CART = f"/carts/{VISITOR}"
ONE_KETTLE = {"visitor": VISITOR, "items": [{"sku": "SKU-1001", "quantity": 2}], "count": 2}


@pytest.fixture
def client() -> TestAsyncClient:
    return TestAsyncClient(bff)


@pytest.fixture
def shop(fake_backends):
    fake_backends.on("catalog", "GET", "/products", {"total": 1, "items": [
        {"sku": "SKU-1001", "name": "Urban Kettle"}
    ]})  # fmt: skip
    fake_backends.on("pricing", "GET", "/prices", [
        {"sku": "SKU-1001", "price_cents": 1999, "list_price_cents": 1999, "currency": "EUR",
         "deal": False}
    ])  # fmt: skip
    fake_backends.on("inventory", "GET", "/stock/SKU-1001", {"sku": "SKU-1001", "quantity": 7,
                                                             "in_stock": True})  # fmt: skip
    fake_backends.on("inventory", "GET", "/stock", [{"sku": "SKU-1001", "quantity": 7,
                                                     "in_stock": True}])  # fmt: skip
    return fake_backends


def test_adding_names_and_prices_the_visitors_cart(client, shop):
    shop.on("cart", "POST", f"{CART}/items", ONE_KETTLE)
    response = asyncio.run(
        client.post("/items", json={"sku": "SKU-1001", "quantity": 2}, headers=visitor_headers())
    )
    assert response.status_code == 200
    cart = response.json()
    assert cart["count"] == 2 and cart["subtotal_cents"] == 3998 and cart["complete"]
    assert cart["lines"][0] == {
        "sku": "SKU-1001",
        "name": "Urban Kettle",
        "image": "/bff/cart/images/SKU-1001.svg",
        "quantity": 2,
        "price_cents": 1999,
        "line_cents": 3998,
        "available": 7,
        "stock_note": None,
    }
    # The cart backend is told how many are in stock: it holds the line to that.
    body = {"sku": "SKU-1001", "quantity": 2, "available": 7}
    assert ("cart", "POST", f"{CART}/items", body) in shop.calls


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"sku": "../admin"}, "sku"),
        (
            {"sku": "SKU-\u0661\u0660\u0660\u0661"},
            "sku",
        ),  # Arabic-Indic digits are digits to `\d`, not to a SKU
        ({"sku": "SKU-1001\n"}, "sku"),
        ({"sku": "SKU-1", "quantity": 0}, "quantity"),
        ({"sku": "SKU-1", "quantity": True}, "quantity"),  # not "1"
        ({"sku": "SKU-1", "quantity": 2.0}, "quantity"),
        ({"sku": "SKU-1", "quantity": "2"}, "quantity"),
        ({"sku": "SKU-1", "quantity": 10**30}, "quantity"),
        ({}, "sku"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_reaches_no_backend(client, shop, payload, field):
    response = asyncio.run(client.post("/items", json=payload, headers=visitor_headers()))
    assert response.status_code == 422
    assert field in str(response.json()["detail"])
    assert shop.calls == []


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b"[1, 2]", b'"SKU-1"', b"null"])
def test_a_body_that_is_not_a_json_object_is_refused(client, shop, body):
    response = asyncio.run(
        client.post("/items", data=body, content_type="application/json", headers=visitor_headers())
    )
    assert response.status_code in (400, 422) and response.json()["detail"]
    assert shop.calls == []


@pytest.mark.parametrize("sku", ["..", "SKU-%D9%A1", "SKU-1%0A", "SKU-1%00", "x" * 300])
def test_a_line_path_that_is_not_a_sku_never_reaches_the_cart_backend(client, shop, sku):
    for method, body in (("patch", {"quantity": 2}), ("delete", None)):
        response = asyncio.run(
            getattr(client, method)(f"/items/{sku}", json=body, headers=visitor_headers())
        )
        assert response.status_code == 422, (method, sku)
        assert "sku" in str(response.json()["detail"])
    assert shop.calls == []


def test_a_picture_is_relayed_only_for_a_sku(client, shop):
    shop.on("catalog", "GET", "/products/SKU-1001/image.svg", lambda request: httpx.Response(
        200, content=b"<svg/>", headers={"Content-Type": "image/svg+xml"}
    ))  # fmt: skip
    picture = asyncio.run(client.get("/images/SKU-1001.svg"))
    assert (picture.status_code, picture["Content-Type"]) == (200, "image/svg+xml")
    assert asyncio.run(client.get("/images/SKU-1002.svg")).json() == {
        "detail": "there is no picture of SKU-1002"
    }
    assert asyncio.run(client.get("/images/...svg")).status_code == 422  # sku ".."
    assert [call[2] for call in shop.calls] == [
        "/products/SKU-1001/image.svg",
        "/products/SKU-1002/image.svg",
    ]


def test_the_backends_field_errors_reach_the_browser_as_json(client, shop):
    detail = [{"type": "missing", "loc": ["body", "payload", "sku"], "msg": "Field required"}]
    shop.on("cart", "POST", f"{CART}/items", {"detail": detail}, 422)
    response = asyncio.run(client.post("/items", json={"sku": "SKU-1"}, headers=visitor_headers()))
    assert (response.status_code, response.json()) == (422, {"detail": detail})


def test_without_a_visitor_token_nothing_is_written(client, shop):
    forged = {"X-Tessera-Visitor": visitor_headers()["X-Tessera-Visitor"][:-2] + "xx"}
    for headers in ({}, forged):
        response = asyncio.run(client.post("/items", json={"sku": "SKU-1"}, headers=headers))
        assert response.status_code == 401
        assert "no visitor" in response.json()["detail"]
    assert shop.calls == []


def test_the_backends_refusals_reach_the_browser_and_outages_are_a_502(client, shop):
    shop.on("cart", "PATCH", f"{CART}/items/SKU-7", {"detail": "SKU-7 is not in this cart"}, 404)
    missing = asyncio.run(
        client.patch("/items/SKU-7", json={"quantity": 2}, headers=visitor_headers())
    )
    assert (missing.status_code, missing.json()["detail"]) == (404, "SKU-7 is not in this cart")
    shop.down.add("cart")
    down = asyncio.run(client.delete("/items/SKU-1001", headers=visitor_headers()))
    assert down.status_code == 502
    assert down.json()["detail"] == "the cart is unavailable right now, please try again"


def test_the_cart_page_lists_the_lines_or_says_it_is_empty(shop):
    shop.on("cart", "GET", CART, ONE_KETTLE)
    html = asyncio.run(render(fragment_request()))
    assert "Urban Kettle" in html and "€39.98" in html and 'value="2"' in html
    assert '<p class="cart__empty" hidden>' in html
    empty = asyncio.run(render(fragment_request(visitor=None)))
    assert '<p class="cart__empty">Your cart is empty.' in empty and "cart__line" not in empty
    shop.down.add("cart")
    assert "cannot be shown right now" in asyncio.run(render(fragment_request()))


def _write(client, method: str, path: str, body=None):
    return asyncio.run(getattr(client, method)(path, json=body, headers=visitor_headers()))


WRITES = [
    ("post", "/items", {"sku": "SKU-1001", "quantity": 1}, "POST", f"{CART}/items"),
    ("patch", "/items/SKU-1001", {"quantity": 2}, "PATCH", f"{CART}/items/SKU-1001"),
    ("patch", "/items/SKU-1001", {"quantity": 0}, "DELETE", f"{CART}/items/SKU-1001"),
    ("delete", "/items/SKU-1001", None, "DELETE", f"{CART}/items/SKU-1001"),
]


@pytest.mark.parametrize("outage", ["down", "failing"])
@pytest.mark.parametrize(("method", "path", "body", "backend_method", "backend_path"), WRITES)
def test_a_write_the_cart_took_is_answered_as_done_while_the_catalog_is_out(
    client, shop, outage, method, path, body, backend_method, backend_path
):
    """The cart backend took the write: a 502 "please try again" would have the shopper add
    another unit with each retry. The answer says it is done, naming lines by their SKU."""
    shop.on("cart", backend_method, backend_path, ONE_KETTLE)
    if outage == "down":
        shop.down.add("catalog")
    else:
        shop.on("catalog", "GET", "/products", {"detail": "Internal Server Error"}, 500)
    response = _write(client, method, path, body)
    assert response.status_code == 200, response.json()
    cart = response.json()
    assert cart["count"] == 2 and cart["complete"] and cart["subtotal_cents"] == 3998
    assert cart["lines"][0]["name"] == "SKU-1001"  # the name falls back to the SKU
    writes = [c for c in shop.calls if c[0] == "cart"]
    assert [(c[1], c[2]) for c in writes] == [(backend_method, backend_path)]


@pytest.mark.parametrize(("method", "path", "body", "backend_method", "backend_path"), WRITES)
def test_a_write_the_cart_took_is_answered_as_done_while_pricing_is_out(
    client, shop, method, path, body, backend_method, backend_path
):
    shop.on("cart", backend_method, backend_path, ONE_KETTLE)
    shop.down.update({"pricing", "catalog", "inventory"})
    response = _write(client, method, path, body)
    assert response.status_code == 200, response.json()
    cart = response.json()
    assert cart["count"] == 2 and not cart["complete"] and cart["subtotal_cents"] == 0
    assert cart["lines"][0] == {
        "sku": "SKU-1001",
        "name": "SKU-1001",
        "image": "/bff/cart/images/SKU-1001.svg",
        "quantity": 2,
        "price_cents": None,
        "line_cents": None,
        "available": None,
        "stock_note": None,
    }


def test_retrying_an_add_during_a_catalog_outage_is_never_invited(client, shop):
    """The tester's repro: three adds while the catalog fails, each answered as done with
    the count the cart backend holds (never "please try again" after a write)."""
    held = {"quantity": 0}

    def add(request: httpx.Request) -> httpx.Response:
        held["quantity"] += 1
        return httpx.Response(200, json={"visitor": VISITOR, "count": held["quantity"],
                                         "items": [{"sku": "SKU-1001", **held}]})  # fmt: skip

    shop.on("cart", "POST", f"{CART}/items", add)
    shop.down.add("catalog")
    counts = []
    for _ in range(3):
        response = _write(client, "post", "/items", {"sku": "SKU-1001", "quantity": 1})
        assert response.status_code == 200
        assert "try again" not in response.content.decode()
        counts.append(response.json()["count"])
    assert counts == [1, 2, 3]


def test_reading_the_cart_needs_its_prices_but_not_its_names(client, shop):
    """A read writes nothing, so while pricing fails it may invite a retry; without the
    catalog the cart is shown all the same, its lines named by their SKU."""
    shop.on("cart", "GET", CART, ONE_KETTLE)
    shop.down.add("catalog")
    shown = asyncio.run(client.get("/", headers=visitor_headers()))
    assert shown.status_code == 200 and shown.json()["lines"][0]["name"] == "SKU-1001"
    html = asyncio.run(render(fragment_request()))
    assert 'href="/product/SKU-1001">SKU-1001</a>' in html and "€39.98" in html
    shop.down.add("pricing")
    failed = asyncio.run(client.get("/", headers=visitor_headers()))
    assert failed.status_code == 502
    # The page shows the lines all the same, unpriced and without a subtotal, and the
    # shopper can still change or remove them.
    unpriced = asyncio.run(render(fragment_request()))
    assert "cannot be shown right now" not in unpriced
    assert "price unavailable" in unpriced and "€39.98" not in unpriced
    assert 'class="cart__remove"' in unpriced and 'value="2"' in unpriced
    assert "Prices are unavailable right now" in unpriced
    assert '<p class="cart__prices" data-prices-unavailable>' in unpriced  # not hidden


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        ("en", "Prices are unavailable right now, so the subtotal cannot be shown."),
        ("ko", "지금은 가격 정보를 불러올 수 없어 소계를 표시할 수 없습니다."),
    ],
)
def test_a_cart_without_every_price_shows_no_subtotal_and_says_why(shop, locale, said):
    """A sum of the lines that have a price is not the cart's subtotal: no figure at all."""
    shop.on("cart", "GET", CART, ONE_KETTLE)
    shop.on("pricing", "GET", "/prices", [])  # pricing knows none of the cart's products
    request = fragment_request()
    request.META["HTTP_X_TESSERA_LOCALE"] = locale
    html = asyncio.run(fragment_view(fragment, "1.0")(request)).content.decode()
    assert "<strong data-subtotal></strong>" in html
    assert f'<p class="cart__prices" data-prices-unavailable>{said}' in html
    shop.on("pricing", "GET", "/prices", [{"sku": "SKU-1001", "price_cents": 1999,
                                           "currency": "EUR"}])  # fmt: skip
    html = asyncio.run(fragment_view(fragment, "1.0")(fragment_request())).content.decode()
    assert "<strong data-subtotal>€39.98</strong>" in html
    assert '<p class="cart__prices" data-prices-unavailable hidden>' in html


#: What the cart backend answers an add above the stock it is told (backends/cart/api.py).
OUT_OF_STOCK = {"detail": "Sorry, this product is out of stock."}


@pytest.mark.parametrize("outage", ["down", "failing"])
def test_a_product_the_catalog_does_not_know_is_refused_while_the_inventory_is_out(
    client, shop, outage
):
    """The tester's `{"sku": "SKU-99999999", "quantity": 99}` during an inventory outage: the
    catalog, up, says there is no such product, so the cart backend is told none is in stock
    (as when the inventory says it does not know it) and refuses it; checkout never sees it."""
    if outage == "down":
        shop.down.add("inventory")
    else:
        shop.on("inventory", "GET", "/stock/SKU-99999999", {"detail": "boom"}, 503)
    shop.on("catalog", "GET", "/products/SKU-99999999", {"detail": "Not Found"}, 404)
    shop.on("cart", "POST", f"{CART}/items", OUT_OF_STOCK, 409)
    refused = _write(client, "post", "/items", {"sku": "SKU-99999999", "quantity": 99})
    assert refused.status_code == 409
    assert refused.json()["detail"] == "Sorry, this product is out of stock."
    body = {"sku": "SKU-99999999", "quantity": 99, "available": 0}
    assert ("cart", "POST", f"{CART}/items", body) in shop.calls


@pytest.mark.parametrize("catalog", ["knows it", "down"])
def test_while_the_inventory_is_out_a_product_not_known_missing_is_added(client, shop, catalog):
    """Only the catalog's positive "no such product" refuses: a product it knows, or a
    catalog that cannot say either, leaves only the cart's own limit (degraded, as before)."""
    shop.down.add("inventory")
    if catalog == "down":
        shop.down.add("catalog")
    else:
        shop.on("catalog", "GET", "/products/SKU-1001", {"sku": "SKU-1001", "name": "Kettle"})
    shop.on("cart", "POST", f"{CART}/items", ONE_KETTLE)
    added = _write(client, "post", "/items", {"sku": "SKU-1001", "quantity": 2})
    assert added.status_code == 200
    body = {"sku": "SKU-1001", "quantity": 2, "available": None}
    assert ("cart", "POST", f"{CART}/items", body) in shop.calls
