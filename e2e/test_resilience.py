"""A fragment service that stops answering, as a shopper and an operator see it: the shell's
circuit breaker opens, its copy of the fragment stands in, and the registry's admin shows the
breaker; once the service is back, the breaker closes again (README, "When fragments fail").

The reviews fragment's service is frozen (SIGSTOP, as tests/chaos/harness.py `frozen()`
does): it takes connections and never answers, so every fetch costs the shell its 800 ms
timeout until the breaker opens. The test owns SKU-1053 (its reviews are had once before
the outage, and its product page is loaded first while the service is frozen) and
SKU-1052 and SKU-1054 to SKU-1058 (loaded to open the breaker); no other test loads them.
"""

import contextlib
import re
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import log_in_to_admin, screenshot, server_timing, wait_until_served

pytestmark = pytest.mark.e2e

SKU = "SKU-1053"  # one with demo reviews to keep a copy of
PRODUCT = f"/product/{SKU}"
#: Product pages loaded, all at once, to open the breaker (20 calls within its 10 s window;
#: a page that waited on another page's fetch of the same reviews counts as one too).
LOADED = [f"/product/SKU-{n}" for n in (1052, *range(1054, 1059))]
REVIEWS_SECTION = re.compile(r'<section class="reviews".*?</section>', re.S)


def _breaker(shell: str) -> str | None:
    """The reviews breaker's state in the shell (its `/healthz`)."""
    return httpx.get(shell + "/healthz", timeout=10).json()["breakers"].get("reviews")


def _until(condition: Callable[[], bool], timeout: float, what: str, pause: float = 0.3) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(pause)


@contextlib.contextmanager
def frozen_reviews(stack) -> Iterator[Callable[[], None]]:
    """SIGSTOP every reviews fragment instance of the stack; yields a function that resumes
    them (SIGCONT), which also runs when the block ends, whatever happened in it."""
    instances = [
        process
        for process in stack.supervisor.processes.values()
        if process.placed.name == "reviews-fragment"
    ]
    assert instances, sorted(stack.supervisor.processes)
    resumed = False

    def resume() -> None:
        nonlocal resumed
        if not resumed:
            resumed = True
            for process in instances:
                process.signal(signal.SIGCONT)

    for process in instances:
        process.signal(signal.SIGSTOP)
    try:
        yield resume
    finally:
        resume()


def _admin_breaker(page: Page, admin: str) -> str:
    """The "breaker" column of the reviews fragment in the admin's fragment list."""
    page.goto(admin + "registry/fragment/")
    row = page.locator("#result_list tbody tr").filter(
        has=page.get_by_role("link", name="reviews", exact=True)
    )
    return row.locator("td.field-breaker").inner_text().strip()


def _admin_shows(page: Page, admin: str, state: str, timeout: float = 20) -> None:
    """Reload the admin's fragment list until the reviews breaker reads `state` (shells
    report every 2 s)."""
    deadline = time.monotonic() + timeout
    while (shown := _admin_breaker(page, admin)) != state:
        assert time.monotonic() < deadline, f"the admin shows {shown!r}, not {state!r}"
        time.sleep(0.5)


def test_a_frozen_fragment_opens_its_breaker_its_copy_stands_in_and_it_closes_when_back(
    stack, page: Page
):
    shell = stack.url("shell")
    wait_until_served(shell + "/product/SKU-1001", "reviews__form")  # registered, shell has it
    _until(lambda: _breaker(shell) == "closed", 30, "the reviews breaker was not closed")

    # A shopper's earlier visit left the shell a copy of SKU-1053's reviews (had here on
    # their own, so that the product fragment is not kept and the product page is composed
    # afresh below: its Server-Timing then waits for the reviews' outcome).
    earlier = httpx.get(shell + f"/_fragment/reviews?sku={SKU}", timeout=10)
    assert earlier.status_code == 200, earlier.text
    copy = REVIEWS_SECTION.search(earlier.text).group(0)
    shown = copy.count('class="reviews__item"')
    assert shown >= 1  # the demo's reviews of SKU-1053
    assert "Reviews cannot be shown right now." not in copy

    with frozen_reviews(stack) as resume, ThreadPoolExecutor(len(LOADED)) as pool:
        # Pages keep coming, each waiting for the reviews until their timeout, until the
        # failures open the breaker. Every page is still served, without the reviews.
        pages, deadline = 0, time.monotonic() + 30
        while _breaker(shell) != "open":
            assert time.monotonic() < deadline and pages < 300, f"{pages} pages, still closed"
            statuses = [r.status_code for r in pool.map(lambda p: httpx.get(shell + p), LOADED)]
            assert statuses == [200] * len(LOADED), statuses
            pages += len(statuses)

        # Open, the breaker refuses at once, and the shell's copy stands in: the shopper
        # reads the reviews of before, in the fragment's own markup, with nothing to retry.
        response = page.goto(shell + PRODUCT)
        assert response is not None and response.status == 200
        assert server_timing(response.all_headers())["reviews"] == "ok stale-if-error"
        assert copy in response.text()
        assert _breaker(shell) == "open"  # still: refused, not a probe that waited
        resume()  # before the registry's heartbeat TTL (15 s) would drop the instance
        reviews = page.locator('[data-fragment="reviews"]')
        expect(reviews.get_by_role("heading", name="Customer reviews")).to_be_visible()
        expect(reviews.locator(".reviews__item")).to_have_count(shown)
        expect(reviews.get_by_text("Reviews cannot be shown right now.")).to_have_count(0)
        expect(reviews.locator("[data-tessera-retry]")).to_have_count(0)
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Classic Building Set"
        )  # SKU-1053
        screenshot(page, "breaker-open-reviews-from-the-cache")

    # The operator sees it in the registry: no page asks the reviews meanwhile, and an open
    # breaker only turns half-open when one does.
    admin = log_in_to_admin(page, stack)
    _admin_shows(page, admin, "open on 1/1 shells")
    screenshot(page, "admin-breaker-open")

    # The service is back: after its open time the breaker lets a few probes through, and
    # they close it.
    def closed_after_a_page() -> bool:
        assert httpx.get(shell + PRODUCT, timeout=10).status_code == 200
        return _breaker(shell) == "closed"

    _until(closed_after_a_page, 30, "the reviews breaker did not close")
    _admin_shows(page, admin, "closed")
    page.goto(shell + PRODUCT)
    expect(page.locator('[data-fragment="reviews"] .reviews__item')).to_have_count(shown)
