"""Deadline propagation between real processes: a backend slower than a fragment's deadline
costs the fragment what that backend gives, not the whole page."""

import re
import time

import httpx
import pytest

pytestmark = pytest.mark.integration

CARD = 'class="listing__card"'
PRICE = 'class="listing__price"'


def _listing_desc(response: httpx.Response) -> str:
    """How the page had its listing, from its Server-Timing (e.g. "ok hit")."""
    found = re.search(r'(?:^|, )listing;[^,]*desc="([^"]*)"', response.headers["server-timing"])
    assert found, response.headers["server-timing"]
    return found.group(1)


def test_with_pricing_800_ms_slow_a_category_lists_its_products_without_prices(stack):
    shell = stack.url("shell")
    seen = shell + "/c/books"
    # Owned by this test: no other test in the session lists it, so the shell has no copy of
    # its listing, which would stand in (with the prices of before) while it is fresh.
    fresh = shell + "/c/outdoors"
    faults = stack.url("pricing") + "/_faults"
    auth = {"Authorization": f"Bearer {stack.secrets['TESSERA_STUB_ADMIN_TOKEN']}"}
    # The listing's instance is registered and the shell has it: the page shows prices
    # (and not from a copy being refreshed meanwhile, which pricing's delay could spoil).
    waited_until = time.monotonic() + 15
    while PRICE not in (response := httpx.get(seen, timeout=10)).text or (
        _listing_desc(response) == "ok stale"
    ):
        assert time.monotonic() < waited_until, response.text[-2000:]
        time.sleep(0.2)
    # The listing gets 800 ms from the shell, pricing now takes 800 ms to answer anything.
    httpx.put(faults, json={"/": {"delay_ms": 800}}, headers=auth, timeout=10).raise_for_status()
    try:
        # The category just seen is shown from the shell's copy (fresh 10 s, then served 30 s
        # more while it is refreshed), prices and all, without waiting for pricing.
        response = httpx.get(seen, timeout=10)
        assert response.status_code == 200, response.text[-2000:]
        assert _listing_desc(response) in ("ok hit", "ok stale")
        assert CARD in response.text and PRICE in response.text
        # A category not listed before: the listing gives up on pricing in time to list its
        # products without prices, page after page (an answer without them is not kept).
        for _ in range(3):
            response = httpx.get(fresh, timeout=10)
            assert response.status_code == 200, response.text[-2000:]
            assert CARD in response.text and PRICE not in response.text
            assert _listing_desc(response) == "ok"  # fetched, and not kept
    finally:
        httpx.delete(faults, headers=auth, timeout=10).raise_for_status()
