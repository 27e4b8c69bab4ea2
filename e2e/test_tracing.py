"""One shopper's click followed through every service: the request id the browser got back
is in the logs of the shell's gateway, the cart fragment's BFF and the cart backend, and
`manage.py trace` draws its path from the combined log."""

import time

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from e2e.conftest import wait_until_served
from tessera.ops.combinedlog import log_files
from tessera.ops.tracelog import Span, build, read

pytestmark = pytest.mark.e2e

PRODUCT = "/product/SKU-1040"  # in stock, and a product no other test asks for


def _path(stack, request_id: str, timeout: float = 10.0) -> list:
    """The request's top spans once the backend's line has reached the combined log."""
    deadline = time.monotonic() + timeout
    while True:
        top = build(read(log_files(stack.log_path), request_id))
        services, spans = set(), [node for node in top if isinstance(node, Span)]
        while spans:
            node = spans.pop()
            services.add(node.service)
            spans += [child for child in node.children if isinstance(child, Span)]
        if {"shell", "cart-fragment", "cart"} <= services or time.monotonic() > deadline:
            return top
        time.sleep(0.2)


def test_an_add_to_cart_is_traced_from_the_browser_to_the_cart_backend(stack, page: Page, capsys):
    shop = stack.url("shell")
    wait_until_served(shop + PRODUCT, "buybox__add")
    page.goto(shop + PRODUCT)
    with page.expect_response(lambda r: r.url.endswith("/bff/cart/items")) as added:
        page.locator(".buybox").get_by_role("button", name="Add to cart").click()
    expect(page.locator(".buybox").get_by_role("status")).to_contain_text("Added to your cart")
    request_id = added.value.headers["x-request-id"]

    (gateway,) = [node for node in _path(stack, request_id) if isinstance(node, Span)]
    assert (gateway.service, gateway.method, gateway.status) == ("shell", "POST", 200)
    (bff,) = [node for node in gateway.children if isinstance(node, Span)]
    assert bff.service == "cart-fragment" and bff.parent_span_id == gateway.span_id
    backends = [node for node in bff.children if isinstance(node, Span)]
    assert "cart" in {node.service for node in backends}

    capsys.readouterr()
    call_command("trace", request_id, "--log", str(stack.log_path))
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("shell") and "POST /bff/cart/items" in printed[0]
    assert any("cart-fragment" in line for line in printed[1:])
    assert any(line.lstrip("│ ├└─").startswith("cart ") for line in printed[2:])
