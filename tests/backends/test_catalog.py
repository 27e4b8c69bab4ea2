import pytest
from backends.catalog.catalog import CATEGORIES, demo_products
from backends.catalog.management.commands.seed import Command as Seed
from backends.catalog.models import Product
from django.core.management import call_command
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("backends.kit.urls")]


@pytest.fixture
def client() -> Client:
    call_command(Seed())
    return Client()


def test_demo_catalog_has_sixty_products_in_six_categories_and_is_deterministic():
    products = list(demo_products())
    assert len(products) == 60
    assert {p.category for p in products} == set(CATEGORIES) and len(CATEGORIES) == 6
    assert [p.name for p in products] == [p.name for p in demo_products()]


def test_seeding_twice_does_not_duplicate(client):
    call_command(Seed())
    assert Product.objects.count() == 60


def test_products_filter_by_category_and_page(client):
    page = client.get("/products", {"category": "books", "limit": 4, "offset": 8}).json()
    assert page["total"] == 10
    assert len(page["items"]) == 2
    assert {p["category"] for p in page["items"]} == {"books"}


def test_products_search_by_text(client):
    items = client.get("/products", {"q": "kettle", "limit": 100}).json()["items"]
    assert items and all("kettle" in (p["name"] + p["description"]).lower() for p in items)


def test_products_by_sku_for_carts_and_recommendations(client):
    items = client.get("/products", {"sku": ["SKU-1003", "SKU-1001", "SKU-9"]}).json()["items"]
    assert sorted(p["sku"] for p in items) == ["SKU-1001", "SKU-1003"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": "²"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 2**63 + 1}, "offset"),  # once a database overflow, a 500
        ({"q": "kettle\x00"}, "q"),
        ({"q": "k" * 101}, "q"),
        ({"category": "kitchen\n"}, "category"),
        ({"sku": ["SKU-1001", "../SKU-1"]}, "sku"),
    ],
)
def test_bad_queries_are_a_422_naming_the_parameter(client, query, parameter):
    response = client.get("/products", query)
    assert response.status_code == 422
    assert parameter in str(response.json()["detail"])


@pytest.mark.parametrize("sku", ["SKU-%D9%A1", "SKU-1%00", "x" * 300])
def test_a_product_path_that_is_not_a_sku_is_a_422(client, sku):
    for path in (f"/products/{sku}", f"/products/{sku}/image.svg"):
        response = client.get(path)
        assert response.status_code == 422 and "sku" in str(response.json()["detail"])


def test_product_detail_and_image(client):
    product = client.get("/products/SKU-1001").json()
    assert product["name"] and product["image_url"] == "/products/SKU-1001/image.svg"
    image = client.get(product["image_url"])
    assert image["Content-Type"] == "image/svg+xml"
    assert image.content.startswith(b"<svg")


def test_unknown_product_is_404(client):
    assert client.get("/products/SKU-0").status_code == 404
