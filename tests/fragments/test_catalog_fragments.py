"""The fragments that show products: what they render from their backends, and how a
primary fragment tells the page its title or that it does not exist."""

import asyncio
from urllib.parse import unquote

import httpx
import pytest
from ninja.testing import TestAsyncClient

from fragments.buybox.fragment import render as buybox
from fragments.header.fragment import render as header
from fragments.hero.fragment import PAGE_SIZE
from fragments.hero.fragment import bff as hero_bff
from fragments.kit.backends import BackendError
from fragments.kit.fragment import NotFound, load
from fragments.kit.views import fragment_view
from fragments.listing.fragment import render as listing
from fragments.product.fragment import render as product
from fragments.recommendations.fragment import render as recommendations
from shell.engine import FragmentConfig, Page, PageApp, Site, close_connections
from tests.fragments.conftest import VISITOR, fragment_request
from tests.httpserver import Reply, serve

CATEGORIES = [{"slug": "kitchen", "name": "Kitchen"}, {"slug": "books", "name": "Books"}]
KETTLE = {
    "sku": "SKU-1001",
    "name": "Urban Kettle",
    "category": "kitchen",
    "description": "A kettle made of steel. Built to last.",
    "attributes": {"material": "steel"},
    "image_url": "/products/SKU-1001/image.svg",
}
PRICE = {"sku": "SKU-1001", "price_cents": 1999, "list_price_cents": 2999, "currency": "EUR",
         "deal": True}  # fmt: skip


@pytest.fixture
def catalog(fake_backends):
    fake_backends.on("catalog", "GET", "/categories", CATEGORIES)
    fake_backends.on("catalog", "GET", "/products/SKU-1001", KETTLE)
    fake_backends.on("catalog", "GET", "/products", {"total": 13, "items": [KETTLE]})
    fake_backends.on("pricing", "GET", "/prices", [PRICE])
    fake_backends.on("pricing", "GET", "/prices/SKU-1001", PRICE)
    return fake_backends


def test_product_detail_names_the_page_and_an_unknown_sku_is_not_found(catalog):
    rendered = asyncio.run(product(fragment_request(), sku="SKU-1001"))
    assert rendered.title == "Urban Kettle"
    assert rendered.description == "A kettle made of steel."
    assert '<a href="/c/kitchen">Kitchen</a>' in rendered.html
    assert '<img class="product__image" src="/bff/product/images/SKU-1001.svg"' in rendered.html
    with pytest.raises(NotFound):
        asyncio.run(product(fragment_request(), sku="SKU-404"))


def test_a_sku_typed_in_lower_case_redirects_to_its_page(catalog):
    view = fragment_view(load("product"), "1.2.3")
    asked = fragment_request()
    asked.META["HTTP_X_TESSERA_PATH"] = "/shop/product/sku-1001?ref=mail"
    moved = asyncio.run(view(asked, sku="sku-1001"))
    assert (moved.status_code, moved["Location"]) == (301, "/shop/product/SKU-1001")
    plain = asyncio.run(view(fragment_request(), sku="sku-1001"))  # no page path: the default
    assert (plain.status_code, plain["Location"]) == (301, "/product/SKU-1001")
    unknown = asyncio.run(view(fragment_request(), sku="sku-x"))
    assert unknown.status_code == 404 and not unknown.has_header("Location")
    # The shell turns a primary's redirect into the page's.
    status, headers, _ = _shell_page_with_primary(Reply(301, b"", {"Location": moved["Location"]}))
    assert (status, headers["location"]) == (301, "/shop/product/SKU-1001")


def test_product_detail_fails_when_the_catalog_is_down_so_the_page_is_a_503(catalog):
    catalog.down.add("catalog")
    # Not a NotFound (the shell's 404 page) nor a page without its product: a failure...
    with pytest.raises(BackendError) as failed:
        asyncio.run(product(fragment_request(), sku="SKU-1001"))
    assert failed.value.status is None  # unreachable, not an answer of the catalog's
    assert str(failed.value).startswith("catalog /")
    # ...which the kit's fragment view answers plainly with a 503 (no traceback)...
    view = fragment_view(load("product"), "1.2.3")
    answer = asyncio.run(view(fragment_request(), sku="SKU-1001"))
    assert answer.status_code == 503 and not answer.has_header("X-Page-Title")
    # ...and a primary that answers that makes the shell's 503 page, with the shop around it.
    status, headers, page = _shell_page_with_primary(
        Reply(answer.status_code, answer.content, {"Content-Type": answer["Content-Type"]})
    )
    assert status == 503
    assert headers["cache-control"] == "no-store"
    assert "<title>Temporarily unavailable</title>" in page
    assert '<h1 id="error-title">This page is taking a break</h1>' in page
    assert '<div data-fragment="header"><header>tessera</header></div>' in page
    assert '<div data-fragment="footer"><footer>footer</footer></div>' in page
    assert 'data-fragment="product"' not in page and "Server Error" not in page


def _shell_page_with_primary(answer: Reply) -> tuple[int, dict[str, str], str]:
    """The product page as the shell composes it when the product fragment answers `answer`."""
    routes = {
        "/header": Reply(body=b"<header>tessera</header>"),
        "/footer": Reply(body=b"<footer>footer</footer>"),
        "/fragment/SKU-1001": answer,
    }

    async def scenario():
        async with serve(routes) as server:
            fragments = {
                "header": FragmentConfig("header", "/header", instances=(server.url,)),
                "footer": FragmentConfig("footer", "/footer", instances=(server.url,)),
                "product": FragmentConfig(
                    "product", "/fragment/{sku}", primary=True, instances=(server.url,)
                ),
            }
            page = Page(
                "product",
                "/product/{sku}",
                "product.html",
                "Product",
                {"header": ("header",), "product": ("product",), "footer": ("footer",)},
            )
            site = Site.build([page], fragments)
            app = PageApp(lambda: site, None, context_key=b"k" * 32, visitor_key=b"v" * 32)
            sent = []

            async def send(message):
                sent.append(message)

            async def receive():
                await asyncio.sleep(3600)

            scope = {"type": "http", "method": "GET", "path": "/product/SKU-1001",
                     "query_string": b"", "headers": []}  # fmt: skip
            await app(scope, receive, send)
            await close_connections()
            return sent

    sent = asyncio.run(scenario())
    headers = {k.decode(): v.decode() for k, v in sent[0]["headers"]}
    return sent[0]["status"], headers, b"".join(m.get("body", b"") for m in sent[1:]).decode()


def test_listing_of_a_category_pages_and_prices(catalog):
    asked = []
    catalog.on("catalog", "GET", "/products", lambda request: (
        asked.append(dict(request.url.params))
        or httpx.Response(200, json={"total": 13, "items": [KETTLE]})
    ))  # fmt: skip
    rendered = asyncio.run(listing(fragment_request(category="kitchen", page="2")))
    assert rendered.title == "Kitchen"
    assert "13 products" in rendered.html and "€19.99" in rendered.html and "Deal" in rendered.html
    assert 'href="/c/kitchen?page=1" rel="prev"' in rendered.html
    assert '<a href="/c/kitchen?page=2" aria-current="page">' in rendered.html
    assert asked == [{"category": "kitchen", "limit": "12", "offset": "12"}]
    with pytest.raises(NotFound):
        asyncio.run(listing(fragment_request(category="nope")))


def test_listing_of_a_search_keeps_the_query_in_its_links(catalog):
    rendered = asyncio.run(listing(fragment_request(q="red & blue")))
    assert rendered.title == "red & blue — search"
    assert "Results for “red &amp; blue”" in rendered.html
    assert 'href="/search?q=red+%26+blue&amp;page=2"' in rendered.html


def test_buybox_offers_what_is_in_stock_and_nothing_when_it_cannot_tell(catalog):
    catalog.on("inventory", "GET", "/stock/SKU-1001", {"sku": "SKU-1001", "quantity": 3,
                                                        "in_stock": True})  # fmt: skip
    html = asyncio.run(buybox(fragment_request(), sku="SKU-1001"))
    assert "Only 3 left in stock" in html and "You save 33%" in html
    assert html.count("<option") == 3 and "Add to cart" in html
    catalog.down.add("inventory")
    html = asyncio.run(buybox(fragment_request(), sku="SKU-1001"))
    assert "Availability cannot be checked right now." in html and "Add to cart" not in html


def test_header_shows_the_visitors_cart_count(catalog):
    catalog.on("cart", "GET", f"/carts/{VISITOR}", {"visitor": VISITOR, "items": [], "count": 4})
    html = asyncio.run(header(fragment_request(q="kettle")))
    assert "data-cart-count>4<" in html and 'value="kettle"' in html
    assert html.count('href="/c/') == 2
    catalog.down.add("cart")
    assert "data-cart-count>\u2013<" in asyncio.run(header(fragment_request()))


def test_recommendations_show_related_products_in_the_recommenders_order(catalog):
    catalog.on("recommendations", "GET", "/products/SKU-1001/related",
               {"sku": "SKU-1001", "related": ["SKU-1001"]})  # fmt: skip
    html = asyncio.run(recommendations(fragment_request(), sku="SKU-1001"))
    assert "Customers also viewed" in html and "Urban Kettle" in html and "€19.99" in html
    query = next(c for c in catalog.calls if c[0] == "catalog")
    assert query[2] == "/products"


def test_hero_more_deals_is_a_502_when_pricing_is_down(fake_backends):
    fake_backends.down.add("pricing")
    response = asyncio.run(TestAsyncClient(hero_bff).get("/deals?page=2"))
    assert response.status_code == 502
    assert response.json()["detail"] == "deals are unavailable right now"


def test_the_kit_serves_a_fragment_per_the_contract(catalog):
    view = fragment_view(load("product"), "1.2.3")
    response = asyncio.run(view(fragment_request(), sku="SKU-1001"))
    assert response.status_code == 200 and response["X-Fragment-Version"] == "1.2.3"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Link"] == '</static/product.css>; rel="stylesheet"'
    assert unquote(response["X-Page-Title"]) == "Urban Kettle"
    catalog.on("catalog", "GET", "/products/SKU-1001", {**KETTLE, "name": "Café 50% — Ø"})
    response = asyncio.run(view(fragment_request(), sku="SKU-1001"))
    response["X-Page-Title"].encode("latin-1")  # header-safe...
    assert unquote(response["X-Page-Title"]) == "Café 50% — Ø"  # ...and lossless
    missing = asyncio.run(view(fragment_request(), sku="SKU-404"))
    assert (missing.status_code, missing.content) == (404, b"")
    assert missing["X-Fragment-Version"] == "1.2.3" and not missing.has_header("Link")


def test_hero_pages_through_the_deals_with_names_and_prices(fake_backends):
    deals = [
        {"sku": f"SKU-{n}", "price_cents": 750, "list_price_cents": 1000, "currency": "EUR",
         "deal": True}
        for n in range(1, PAGE_SIZE + 3)  # page 2 holds the last two
    ]  # fmt: skip
    fake_backends.on("pricing", "GET", "/deals", deals)
    first, second = f"SKU-{PAGE_SIZE + 1}", f"SKU-{PAGE_SIZE + 2}"
    fake_backends.on("inventory", "GET", "/stock", [{"sku": first, "quantity": 0,
                                                     "in_stock": False}])  # fmt: skip
    fake_backends.on("catalog", "GET", "/products", {"total": 2, "items": [
        {"sku": first, "name": "Fifth"}, {"sku": second, "name": "Sixth"}
    ]})  # fmt: skip
    response = asyncio.run(TestAsyncClient(hero_bff).get("/deals?page=2"))
    page = response.json()
    assert (page["page"], page["has_more"]) == (2, False)
    assert [d["name"] for d in page["items"]] == ["Fifth", "Sixth"]
    assert page["items"][0] == {
        "sku": first,
        "name": "Fifth",
        "image": f"/bff/hero/images/{first}.svg",
        "price": "€7.50",
        "list_price": "€10.00",
        "saving_percent": 25,
        "in_stock": False,
    }
    assert page["items"][1]["in_stock"] is None  # the inventory did not say
    assert asyncio.run(TestAsyncClient(hero_bff).get("/deals?page=0")).status_code == 422


def test_without_pricing_products_are_still_listed_without_a_price(catalog):
    catalog.down.add("pricing")
    rendered = asyncio.run(listing(fragment_request(category="kitchen")))
    assert "Urban Kettle" in rendered.html and "listing__price" not in rendered.html


@pytest.mark.parametrize("page", ["²", "٣", "-1", "0", "1e3", "%FF", ""])
def test_listing_shows_the_first_page_for_a_page_number_it_cannot_use(catalog, page):
    asked = []
    catalog.on("catalog", "GET", "/products", lambda request: (
        asked.append(dict(request.url.params))
        or httpx.Response(200, json={"total": 13, "items": [KETTLE]})
    ))  # fmt: skip
    rendered = asyncio.run(listing(fragment_request(category="kitchen", page=page)))
    assert '<a href="/c/kitchen?page=1" aria-current="page">' in rendered.html
    assert asked == [{"category": "kitchen", "limit": "12", "offset": "0"}]


@pytest.mark.parametrize("category", ["Kitchen", "kitchen\n", "kit chen", "../kitchen", "k" * 51])
def test_listing_of_a_category_that_is_not_a_slug_is_not_found_without_asking(
    fake_backends, category
):
    with pytest.raises(NotFound):
        asyncio.run(listing(fragment_request(category=category)))
    assert fake_backends.calls == []


def test_search_text_loses_control_characters_and_is_bounded(catalog):
    asked = []
    catalog.on("catalog", "GET", "/products", lambda request: (
        asked.append(request.url.params["q"])
        or httpx.Response(200, json={"total": 1, "items": [KETTLE]})
    ))  # fmt: skip
    asyncio.run(listing(fragment_request(q="red\x00\x1bkettle" + "x" * 500)))
    assert asked == [("red kettle" + "x" * 500)[:100]]
    html = asyncio.run(header(fragment_request(q="\x07kettle\x00" + "y" * 500)))
    assert f'value="kettle {"y" * 93}"' in html


@pytest.mark.parametrize("renderer", [product, buybox, recommendations])
def test_a_product_fragment_of_something_that_is_not_a_sku_is_not_found(fake_backends, renderer):
    for sku in ("../../carts/visitor-0123456789", "SKU-\u0661", "SKU-1\n", ".."):
        with pytest.raises(NotFound):
            asyncio.run(renderer(fragment_request(), sku=sku))
    assert fake_backends.calls == []
