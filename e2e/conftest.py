"""Playwright on Debian's Chromium (browsers cannot be downloaded on this machine)."""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tessera.runtime.env import REPO_ROOT

CHROMIUM = os.environ.get("TESSERA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = REPO_ROOT / "test-artifacts"
# What a shopper sees may take a while on two shared cores with other tests running: wait
# for it generously (Playwright's default is 5 s); a wait that ends early costs nothing.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for one test module. Not for the session: Playwright's sync API keeps an
    event loop running on the main thread while it is open, and tests run after these in the
    same session (`manage.py deploy` through `call_command`) need `asyncio.run` there."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextlib.contextmanager
def checked_page(browser: Browser, **context_options) -> Iterator[Page]:
    """A page in a new browser context (`context_options` as Playwright takes them, e.g. a
    phone's viewport); when the block ends, no page of that context may have had a
    JavaScript error."""
    context = browser.new_context(**context_options)
    errors: list[str] = []
    context.on("page", lambda opened: opened.on("pageerror", lambda e: errors.append(str(e))))
    try:
        yield context.new_page()  # every page of the context, this one too, is watched
    finally:
        context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with checked_page(browser, viewport={"width": 1280, "height": 900}) as page:
        yield page


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    """A page on a phone's screen, held to the same checks as `page`."""
    with checked_page(browser, viewport={"width": 390, "height": 844}, is_mobile=True) as page:
        yield page


class Faults:
    """Makes backend stubs misbehave through their `/_faults` endpoint (see
    backend-stubs/backends/kit/faults.py), and puts every one it touched right again: back
    to the faults it had before (the recommendations backend is deliberately slow from
    its start, see tessera/ops/services.py)."""

    def __init__(self, stack) -> None:
        self.stack = stack
        self.before: dict[str, dict] = {}  # backend -> its faults before the first change
        self._auth = {"Authorization": f"Bearer {stack.secrets['TESSERA_STUB_ADMIN_TOKEN']}"}

    def _url(self, backend: str) -> str:
        return self.stack.url(backend) + "/_faults"

    def _get(self, backend: str) -> dict:
        response = httpx.get(self._url(backend), headers=self._auth, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def set(self, backend: str, faults: dict) -> None:
        """Replace `backend`'s faults, e.g. `{"/products": {"error_rate": 1.0}}`."""
        if backend not in self.before:
            self.before[backend] = self._get(backend)
        response = httpx.put(self._url(backend), json=faults, headers=self._auth, timeout=10)
        assert response.status_code == 200, response.text

    def down(self, backend: str, prefix: str = "/") -> None:
        """Every request to `backend` under `prefix` gets a 503, at once."""
        self.set(backend, {prefix: {"error_rate": 1.0}})

    def clear(self, backend: str) -> None:
        """End the outage: `backend` gets back the faults it had before this test's."""
        before = self.before.get(backend, {})
        if before:
            response = httpx.put(self._url(backend), json=before, headers=self._auth, timeout=10)
        else:
            response = httpx.delete(self._url(backend), headers=self._auth, timeout=10)
        assert response.status_code == 200, response.text
        assert self._get(backend) == before

    def clear_all(self) -> None:
        """Clear every backend touched, each even if another could not be cleared."""
        failures = []
        for backend in sorted(self.before):
            try:
                self.clear(backend)
            except (AssertionError, httpx.HTTPError) as exc:
                failures.append(f"{backend}: {exc}")
        assert not failures, f"faults left in place: {failures}"


@pytest.fixture
def faults(stack) -> Iterator[Faults]:
    """Backend faults for one test, cleared afterwards whatever happened in it."""
    injected = Faults(stack)
    try:
        yield injected
    finally:
        injected.clear_all()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / (re.sub(r"[^a-z0-9-]+", "-", name.lower()) + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_until_served(url: str, marker: str, timeout: float = 20.0) -> None:
    """Wait until the shell composes `url` with `marker` in it: fragment services register
    in the background after the stack is up."""
    deadline = time.monotonic() + timeout
    while marker not in httpx.get(url).text:
        assert time.monotonic() < deadline, f"{url} never showed {marker!r}"
        time.sleep(0.2)


def server_timing(headers: dict[str, str]) -> dict[str, str]:
    """Each fragment's outcome from a page's `Server-Timing` (`headers` as Playwright or
    httpx give them): `{"reviews": "ok stale-if-error", "recommendations": "streamed", ...}`."""
    timing = headers.get("server-timing", "")
    return {
        entry.split(";", 1)[0].strip(): match.group(1)
        for entry in timing.split(",")
        if (match := re.search(r'desc="([^"]*)"', entry))
    }


#: How a page had a fragment when the shell's cache stood in for it (see README "Caching").
FROM_THE_CACHE = ("ok hit", "ok stale", "ok stale-if-error")


def log_in_to_admin(page: Page, stack) -> str:
    """Log in to the registry's admin as the local operator; return the admin's URL."""
    admin = stack.url("registry") + "/admin/"
    page.goto(admin)
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(stack.secrets["TESSERA_ADMIN_PASSWORD"])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    return admin
