"""An operator registers a third-party fragment in the admin and places it on the home page."""

import subprocess
import sys
import time

import httpx
import pytest
from playwright.sync_api import Page, expect

from conftest import free_port
from e2e.conftest import log_in_to_admin, screenshot

pytestmark = pytest.mark.e2e

PROMO = '<aside class="promo"><h2>Winter sale</h2><p>Everything 20% off this week.</p></aside>'


@pytest.fixture
def static_fragment(tmp_path):
    """A fragment served by a plain static web server: it does not self-register."""
    (tmp_path / "promo.html").write_text(PROMO)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while True:
        try:
            httpx.get(url + "/promo.html")
            break
        except httpx.ConnectError:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    yield url
    server.terminate()
    server.wait()


def _storefront_shows(page: Page, url: str, visible: bool, timeout: float = 10.0) -> None:
    """Reload the storefront until the promo is (or is no longer) on it."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        if (page.get_by_role("heading", name="Winter sale").count() > 0) == visible:
            return
        assert time.monotonic() < deadline, f"promo visible={not visible} after {timeout} s"
        time.sleep(0.5)


def test_operator_registers_places_and_disables_a_static_fragment(
    stack, page: Page, static_fragment
):
    admin = log_in_to_admin(page, stack)

    # Register the fragment by hand, with one instance that never heartbeats.
    page.goto(admin + "registry/fragment/add/")
    page.get_by_label("Name:").fill("promo")
    page.get_by_label("Owner:").fill("marketing")
    page.get_by_label("Path template:").fill("/promo.html")
    page.locator("#id_instances-0-base_url").fill(static_fragment)
    page.locator("#id_instances-0-version").fill("2026.11")
    page.locator("#id_instances-0-manual").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    screenshot(page, "admin-fragments")

    # Place it in the home page's main slot.
    page.goto(admin + "registry/page/")
    page.locator("#result_list").get_by_role("link", name="home", exact=True).click()
    blank = int(page.locator("#id_placements-TOTAL_FORMS").input_value()) - 1  # the extra row
    page.locator(f"#id_placements-{blank}-slot").select_option("main")
    page.locator(f"#id_placements-{blank}-fragment").select_option(label="promo")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    storefront = page.context.new_page()
    _storefront_shows(storefront, stack.url("shell") + "/", visible=True)
    expect(storefront.locator('[data-fragment="promo"]')).to_contain_text("Everything 20% off")
    screenshot(storefront, "home-with-promo")

    # Disable it: it leaves the storefront within seconds, no restart anywhere.
    page.goto(admin + "registry/fragment/")
    page.locator("#result_list").get_by_role("link", name="promo", exact=True).click()
    page.get_by_label("Enabled").uncheck()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    _storefront_shows(storefront, stack.url("shell") + "/", visible=False)

    page.goto(admin + "registry/change/")
    expect(page.locator("#result_list")).to_contain_text("promo")
    screenshot(page, "admin-history")
