"""The shopper's rough edges (issue 17), server side: the cart holds quantities to the stock
and says so, 0 removes a line; the listing sorts, filters, marks what is sold out and is a
404 past its last page; reviews are refused in words, field by field, and a published one
comes back with the new summary."""

import asyncio

import httpx
import pytest
from ninja.testing import TestAsyncClient

from fragments.cart.fragment import bff as cart_bff
from fragments.cart.fragment import render as cart_page
from fragments.hero.fragment import render as hero
from fragments.kit.fragment import NotFound, load
from fragments.listing.fragment import render as listing
from fragments.recommendations.fragment import render as recommendations
from fragments.reviews.fragment import bff as reviews_bff
from fragments.reviews.fragment import render as reviews
from tests.fragments.conftest import VISITOR, fragment_request, visitor_headers

CART = f"/carts/{VISITOR}"
CATEGORIES = [{"slug": "kitchen", "name": "Kitchen"}]


def _product(sku: str, name: str) -> dict:
    return {"sku": sku, "name": name, "category": "kitchen", "description": "A thing. Good."}


def _price(sku: str, cents: int) -> dict:
    return {"sku": sku, "price_cents": cents, "list_price_cents": cents, "currency": "EUR",
            "deal": False}  # fmt: skip


def _stock(sku: str, quantity: int) -> dict:
    return {"sku": sku, "quantity": quantity, "in_stock": quantity > 0}


# -- the cart ------------------------------------------------------------------------------


@pytest.fixture
def cart(fake_backends):
    """A visitor with 5 kettles in the cart, of which 3 are left in stock."""
    on = fake_backends.on
    on("catalog", "GET", "/products", {"total": 1, "items": [_product("SKU-1", "Kettle")]})
    on("pricing", "GET", "/prices", [_price("SKU-1", 1000)])
    on("inventory", "GET", "/stock/SKU-1", _stock("SKU-1", 3))
    on("inventory", "GET", "/stock", [_stock("SKU-1", 3)])
    five = {"visitor": VISITOR, "items": [{"sku": "SKU-1", "quantity": 5}], "count": 5}
    on("cart", "GET", CART, five)
    return fake_backends


def _cart_bff(method: str, path: str, body=None):
    client = TestAsyncClient(cart_bff)
    return asyncio.run(getattr(client, method)(path, json=body, headers=visitor_headers()))


def test_adding_tells_the_cart_backend_the_stock_and_relays_its_refusal(cart):
    refusal = "Only 3 left, and your cart has 3 of them already."
    cart.on("cart", "POST", f"{CART}/items", {"detail": refusal}, 409)
    response = _cart_bff("post", "/items", {"sku": "SKU-1", "quantity": 1})
    assert (response.status_code, response.json()["detail"]) == (409, refusal)
    assert ("cart", "POST", f"{CART}/items", {"sku": "SKU-1", "quantity": 1, "available": 3}) in (
        cart.calls
    )


def test_while_the_inventory_is_down_only_the_carts_own_limit_holds(cart):
    cart.down.add("inventory")
    cart.on("catalog", "GET", "/products/SKU-1", _product("SKU-1", "Kettle"))  # it exists
    cart.on("cart", "PATCH", f"{CART}/items/SKU-1", {"visitor": VISITOR, "items": [], "count": 0})
    _cart_bff("patch", "/items/SKU-1", {"quantity": 2})
    sent = next(call[3] for call in cart.calls if call[0] == "cart")
    assert sent == {"quantity": 2, "available": None}


def test_a_product_the_inventory_does_not_know_is_out_of_stock(cart):
    cart.on("inventory", "GET", "/stock/SKU-1", {"detail": "Not Found"}, 404)
    cart.on("cart", "POST", f"{CART}/items", {"visitor": VISITOR, "items": [], "count": 0})
    _cart_bff("post", "/items", {"sku": "SKU-1"})
    assert next(call[3] for call in cart.calls if call[0] == "cart")["available"] == 0


def test_quantity_zero_removes_the_line_and_the_totals_follow(cart):
    cart.on("cart", "DELETE", f"{CART}/items/SKU-1", {"visitor": VISITOR, "items": [], "count": 0})
    response = _cart_bff("patch", "/items/SKU-1", {"quantity": 0})
    assert response.status_code == 200
    assert response.json() == {
        "count": 0, "lines": [], "subtotal_cents": 0, "currency": "EUR", "complete": True
    }  # fmt: skip
    assert [call[:2] for call in cart.calls if call[0] == "cart"] == [("cart", "DELETE")]
    negative = _cart_bff("patch", "/items/SKU-1", {"quantity": -1})
    assert negative.status_code == 422


def test_the_cart_shows_a_line_whose_stock_dropped_below_its_quantity(cart):
    shown = _cart_bff("get", "/")
    line = shown.json()["lines"][0]
    assert (line["available"], line["stock_note"]) == (
        3,
        "Only 3 left: lower the quantity to check out.",
    )
    html = asyncio.run(cart_page(fragment_request()))
    assert "Only 3 left: lower the quantity to check out." in html
    assert 'min="0" max="3" value="5"' in html  # the box is capped at the stock
    cart.on("inventory", "GET", "/stock", [_stock("SKU-1", 0)])
    assert "Out of stock now: remove it to check out." in asyncio.run(cart_page(fragment_request()))
    cart.on("inventory", "GET", "/stock", [_stock("SKU-1", 9)])
    html = asyncio.run(cart_page(fragment_request()))
    assert "left" not in html and 'max="9"' in html


# -- the listing ---------------------------------------------------------------------------

KITCHEN = [
    _product("SKU-1", "Kettle"),
    _product("SKU-2", "Apron"),
    _product("SKU-3", "Teapot"),
]


@pytest.fixture
def kitchen(fake_backends):
    """Three products: a €20 kettle (sold out), a €5 apron, a €12 teapot."""
    asked: list[dict] = []

    def products(request: httpx.Request) -> httpx.Response:
        asked.append(dict(request.url.params))
        return httpx.Response(200, json={"total": len(KITCHEN), "items": KITCHEN})

    on = fake_backends.on
    on("catalog", "GET", "/categories", CATEGORIES)
    on("catalog", "GET", "/products", products)
    on("pricing", "GET", "/prices", [_price("SKU-1", 2000), _price("SKU-2", 500),
                                     _price("SKU-3", 1200)])  # fmt: skip
    on("inventory", "GET", "/stock", [_stock("SKU-1", 0), _stock("SKU-2", 4),
                                      _stock("SKU-3", 12)])  # fmt: skip
    fake_backends.asked = asked
    return fake_backends


def _names(html: str) -> list[str]:
    return [part.split("<", 1)[0] for part in html.split('class="listing__name">')[1:]]


def test_a_sold_out_product_is_marked_in_the_list(kitchen):
    html = asyncio.run(listing(fragment_request(category="kitchen"))).html
    assert html.count("Out of stock") == 1 and "listing__card--out" in html
    card = html.split('<li class="listing__card listing__card--out">')[1].split("</li>")[0]
    assert "Kettle" in card and "Out of stock" in card


@pytest.mark.parametrize(
    ("sort", "names"),
    [
        ("price-asc", ["Apron", "Teapot", "Kettle"]),
        ("price-desc", ["Kettle", "Teapot", "Apron"]),
        ("", ["Kettle", "Apron", "Teapot"]),  # the catalog's own order
        ("cheapest", ["Kettle", "Apron", "Teapot"]),  # not an order: the catalog's
    ],
)
def test_a_category_sorts_by_price_either_way(kitchen, sort, names):
    rendered = asyncio.run(listing(fragment_request(category="kitchen", sort=sort)))
    assert _names(rendered.html) == names


def test_sorting_by_name_is_the_catalogs_and_paged_by_it(kitchen):
    asyncio.run(listing(fragment_request(category="kitchen", sort="name", page="1")))
    assert kitchen.asked == [{"category": "kitchen", "sort": "name", "limit": "12", "offset": "0"}]


def test_filters_keep_what_is_in_stock_and_in_the_price_range(kitchen):
    in_stock = asyncio.run(listing(fragment_request(category="kitchen", stock="in"))).html
    assert _names(in_stock) == ["Apron", "Teapot"] and "2 products" in in_stock
    ranged = asyncio.run(listing(fragment_request(category="kitchen", min="6", max="20"))).html
    assert _names(ranged) == ["Kettle", "Teapot"]
    both = asyncio.run(
        listing(fragment_request(category="kitchen", sort="price-desc", stock="in", max="20"))
    ).html
    assert _names(both) == ["Teapot", "Apron"]
    # A filtered list considers the catalog's first hundred matches, then pages them itself.
    assert kitchen.asked[-1] == {"category": "kitchen", "limit": "100", "offset": "0"}
    # Its links and its form keep the choice.
    assert 'option value="price-desc" selected' in both and 'value="in" checked' in both
    none = asyncio.run(listing(fragment_request(category="kitchen", min="30"))).html
    assert "No products match these filters." in none and "0 products" in none


def test_in_stock_only_while_the_inventory_cannot_tell_says_so(kitchen):
    """The box stays ticked and every product is listed (none is known to be sold out),
    but the shopper is told that some may be: not a filter silently ignored."""
    notice = "Stock cannot be checked right now: products shown may be sold out."
    kitchen.on("inventory", "GET", "/stock", {"detail": "down"}, 503)
    html = asyncio.run(listing(fragment_request(category="kitchen", stock="in"))).html
    assert _names(html) == ["Kettle", "Apron", "Teapot"] and 'value="in" checked' in html
    assert notice in html
    # Not asked for, nothing to say; the inventory back, nothing to say either.
    assert notice not in asyncio.run(listing(fragment_request(category="kitchen"))).html
    kitchen.on("inventory", "GET", "/stock", [_stock(s, 1) for s in ("SKU-1", "SKU-2", "SKU-3")])
    assert notice not in asyncio.run(listing(fragment_request(category="kitchen", stock="in"))).html


def test_the_pages_links_keep_the_order_and_filters(kitchen):
    many = [_product(f"SKU-{n}", f"Thing {n:02d}") for n in range(1, 15)]
    kitchen.on("catalog", "GET", "/products", {"total": len(many), "items": many})
    kitchen.on("pricing", "GET", "/prices", [_price(p["sku"], 100) for p in many])
    kitchen.on("inventory", "GET", "/stock", [_stock(p["sku"], 1) for p in many])
    html = asyncio.run(
        listing(fragment_request(category="kitchen", sort="price-asc", stock="in", page="2"))
    ).html
    assert 'href="/c/kitchen?sort=price-asc&amp;stock=in&amp;page=1" rel="prev"' in html
    assert _names(html) == ["Thing 13", "Thing 14"]


@pytest.mark.parametrize(
    "query",
    [
        {"page": "2"},  # three products: one page
        {"page": "2", "sort": "price-asc"},
        {"page": "2", "stock": "in"},
        {"page": "1001"},  # past any page there can be, without asking
        {"page": "9" * 5000},
    ],
)
def test_a_page_past_the_last_one_is_not_found(kitchen, query):
    with pytest.raises(NotFound):
        asyncio.run(listing(fragment_request(category="kitchen", **query)))


def test_an_empty_first_page_is_still_a_page(kitchen):
    kitchen.on("catalog", "GET", "/products", {"total": 0, "items": []})
    rendered = asyncio.run(listing(fragment_request(category="kitchen", page="1")))
    assert "There is nothing here yet." in rendered.html


def test_the_listing_path_names_the_sort_and_filters():
    path = load("listing").path
    assert all(f"{name}={{{name}}}" in path for name in ("page", "sort", "stock", "min", "max"))


# -- deals and recommendations -------------------------------------------------------------


def test_deals_and_recommendations_mark_what_is_sold_out(kitchen):
    kitchen.on("pricing", "GET", "/deals", [{**_price("SKU-1", 1500), "list_price_cents": 2000,
                                             "deal": True}])  # fmt: skip
    assert "Out of stock" in asyncio.run(hero(fragment_request()))
    kitchen.on("recommendations", "GET", "/products/SKU-2/related",
               {"sku": "SKU-2", "related": ["SKU-1", "SKU-3"]})  # fmt: skip
    html = asyncio.run(recommendations(fragment_request(), sku="SKU-2"))
    assert html.count("Out of stock") == 1
    assert html.index("Out of stock") < html.index("Teapot")  # on the kettle's card


# -- reviews -------------------------------------------------------------------------------

PATH = "/products/SKU-1/reviews"
GOOD = {"author": "Ada", "rating": 4, "title": "Quiet", "body": "Boils a litre in two minutes."}


@pytest.fixture
def shop(fake_backends):
    fake_backends.on("catalog", "GET", "/products/SKU-1", _product("SKU-1", "Kettle"))
    return fake_backends


def _write(review: dict):
    client = TestAsyncClient(reviews_bff)
    return asyncio.run(client.post(PATH, json=review, headers=visitor_headers()))


def _errors(response) -> dict[str, str]:
    return {error["loc"][-1]: error["msg"] for error in response.json()["detail"]}


def test_a_refused_review_says_in_words_what_each_field_needs(shop):
    response = _write({"author": " ", "rating": None, "title": "", "body": "short"})
    assert response.status_code == 422
    assert _errors(response) == {
        "author": "Please give your name.",
        "rating": "Please choose a rating from 1 to 5 stars.",
        "title": "Please give your review a title.",
        "body": "Please write at least 10 characters about the product.",
    }
    assert shop.calls == []


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"author": "A" * 61}, "author", "Please shorten your name to 60 characters at most."),
        ({"title": "Quiet\r\nSet-Cookie: x=1"}, "title", "Please give the title as one line"),
        ({"author": "\u3164\u3164"}, "author", "Please give your name."),  # Hangul fillers
        ({"rating": 6}, "rating", "Please choose a rating from 1 to 5 stars."),
        ({"rating": True}, "rating", "Please choose a rating from 1 to 5 stars."),
        ({"body": "x" * 4001}, "body", "Please shorten your review to 4,000 characters"),
        ({"body": "Boils\x1b[2J a litre quickly."}, "body", "cannot be shown"),
        ({"body": "\u200b" * 12}, "body", "Please write at least 10 characters"),
        ({"body": "Boils a litre \u202equickly."}, "body", "cannot be shown"),
    ],
)
def test_each_fault_of_a_field_has_its_own_words(shop, change, field, message):
    response = _write({**GOOD, **change})
    assert response.status_code == 422 and message in _errors(response)[field]
    assert set(_errors(response)) == {field}


def test_a_published_review_comes_back_with_the_products_new_summary(shop):
    shop.on("reviews", "POST", PATH, {**GOOD, "id": 7, "created_at": "2026-11-25T10:00:00"}, 201)
    shop.on("reviews", "GET", PATH, {
        "sku": "SKU-1",
        "summary": {"count": 3, "average": 4.33, "histogram": {"4": 2, "5": 1}},
        "items": [],
    })  # fmt: skip
    response = _write(GOOD)
    assert response.status_code == 201
    summary = response.json()["summary_html"]
    assert "<strong>4.3</strong> out of 5" in summary and "data-review-count>3<" in summary
    assert 'style="width: 67%"' in summary  # the histogram: two of three gave four stars


def test_the_form_presets_no_rating_and_has_a_place_for_each_fields_message(fake_backends):
    fake_backends.on("reviews", "GET", PATH, {
        "sku": "SKU-1", "summary": {"count": 0, "average": None, "histogram": {}}, "items": []
    })  # fmt: skip
    html = asyncio.run(reviews(fragment_request(), sku="SKU-1"))
    assert 'name="rating"' in html and "checked" not in html
    for field in ("author", "rating", "title", "body"):
        assert f'id="reviews-{field}-error"' in html
