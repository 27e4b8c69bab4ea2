"""The walking skeleton, end to end over real HTTP between real processes."""

import re
import time

import httpx
import pytest

from fragments.hero.fragment import PAGE_SIZE

pytestmark = pytest.mark.integration


MARKERS = {"header": 'class="site-header"', "hero": 'class="hero__deal"'}


def _wait_for_fragments(stack, names, timeout=15.0):
    """Wait until the shell composes every fragment in `names` from a live instance."""
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(stack.url("shell") + "/")
        if all(MARKERS[name] in response.text for name in names):
            return response
        if time.monotonic() > deadline:
            pytest.fail(f"fragments {names} never all appeared:\n{response.text[-2000:]}")
        time.sleep(0.2)


def test_every_service_answers_healthz(stack):
    running = list(stack.supervisor.processes.values())  # a deploy may have replaced some
    assert {p.placed.name for p in running} == {r.name for r in stack.stack}
    for process in running:
        response = httpx.get(process.placed.url + "/healthz")
        assert response.status_code == 200
        assert response.json()["service"] == process.placed.name
        assert "server" not in response.headers  # no software banner for scanners


def test_home_page_is_composed_from_both_fragment_services(stack):
    response = _wait_for_fragments(stack, ["header", "hero"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    assert '<div data-fragment="header"><header class="site-header"' in html
    assert '<a href="/c/kitchen">Kitchen</a>' in html  # categories from the catalog backend
    assert '<div data-fragment="hero"><section class="hero"' in html
    assert len(re.findall(r'<li class="hero__deal[ "]', html)) == PAGE_SIZE  # sold-out too
    # Each fragment's stylesheet is announced once in the head, through the shell's prefix.
    assert html.count('href="/_assets/header/header.') == 1
    # ...and its module with the page's nonce, which the page's Content-Security-Policy names.
    nonce = re.search(r"'nonce-([0-9a-f]{32})'", response.headers["content-security-policy"])[1]
    assert f'<script type="module" nonce="{nonce}" src="/_assets/hero/hero.' in html
    assert response.headers["x-request-id"]


def test_registry_lists_the_self_registered_instances(stack):
    instances = httpx.get(stack.url("registry") + "/api/v1/instances").json()
    registered = {i["fragment"]: i for i in instances}
    assert registered["header"]["base_url"] == stack.url("header-fragment")
    assert registered["hero"]["base_url"] == stack.url("hero-fragment")
    assert all(i["up"] for i in instances)


def test_bff_is_reached_through_the_shell_gateway(stack):
    _wait_for_fragments(stack, ["hero"])
    first = httpx.get(stack.url("shell") + "/bff/hero/deals", params={"page": 1}).json()
    second = httpx.get(stack.url("shell") + "/bff/hero/deals", params={"page": 2}).json()
    assert second["page"] == 2
    assert len(second["items"]) == PAGE_SIZE
    assert {d["sku"] for d in first["items"]}.isdisjoint(d["sku"] for d in second["items"])


def test_bff_validation_errors_reach_the_browser_as_4xx(stack):
    _wait_for_fragments(stack, ["hero"])
    response = httpx.get(stack.url("shell") + "/bff/hero/deals", params={"page": "zero"})
    assert response.status_code == 422
    assert "page" in response.text


def test_gateway_refuses_an_unknown_fragment(stack):
    response = httpx.get(stack.url("shell") + "/bff/nope/anything")
    assert response.status_code == 404
    assert response.json() == {"detail": "no fragment named 'nope' is registered"}


def test_fragment_assets_are_served_through_the_shell(stack):
    html = _wait_for_fragments(stack, ["hero"]).text
    start = html.index('href="/_assets/hero/hero.') + len('href="')
    url = html[start : html.index('"', start)]
    response = httpx.get(stack.url("shell") + url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert ".hero" in response.text


def test_product_images_come_through_the_hero_bff(stack):
    deals = httpx.get(stack.url("shell") + "/bff/hero/deals").json()
    response = httpx.get(stack.url("shell") + deals["items"][0]["image"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.text.startswith("<svg")


def test_backend_stubs_serve_their_data_and_recommendations_are_deliberately_slow(stack):
    price = httpx.get(stack.url("pricing") + "/prices/SKU-1001").json()
    assert price["sku"] == "SKU-1001" and price["price_cents"] > 0
    assert httpx.get(stack.url("inventory") + "/stock/SKU-1001").json()["sku"] == "SKU-1001"
    assert "summary" in httpx.get(stack.url("reviews") + "/products/SKU-1001/reviews").json()
    assert httpx.get(stack.url("cart") + "/carts/visitor-12345678").json()["items"] == []
    faults = httpx.get(stack.url("recommendations") + "/_faults").json()
    assert faults == {"/products": {"delay_ms": 150, "error_rate": 0.0, "hang": False}}
    related = httpx.get(stack.url("recommendations") + "/products/SKU-1001/related").json()
    assert len(related["related"]) == 4
