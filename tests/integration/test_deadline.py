"""Deadline propagation between real processes: a backend slower than a fragment's deadline
costs the fragment what that backend gives, not the whole page."""

import time

import httpx
import pytest

pytestmark = pytest.mark.integration

CARD = 'class="listing__card"'
PRICE = 'class="listing__price"'


def test_with_pricing_800_ms_slow_a_category_lists_its_products_without_prices(stack):
    page = stack.url("shell") + "/c/books"
    faults = stack.url("pricing") + "/_faults"
    auth = {"Authorization": f"Bearer {stack.secrets['TESSERA_STUB_ADMIN_TOKEN']}"}
    # The listing's instance is registered and the shell has it: the page shows prices.
    waited_until = time.monotonic() + 15
    while PRICE not in (response := httpx.get(page, timeout=10)).text:
        assert time.monotonic() < waited_until, response.text[-2000:]
        time.sleep(0.2)
    # The listing gets 800 ms from the shell, pricing now takes 800 ms to answer anything.
    httpx.put(faults, json={"/": {"delay_ms": 800}}, headers=auth, timeout=10).raise_for_status()
    try:
        for _ in range(3):
            response = httpx.get(page, timeout=10)
            assert response.status_code == 200, response.text[-2000:]
            assert CARD in response.text and PRICE not in response.text
    finally:
        httpx.delete(faults, headers=auth, timeout=10).raise_for_status()
