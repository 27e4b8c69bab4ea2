"""In a real browser: a slow async fragment arrives in its place after the page is usable."""

import asyncio
import threading
from types import MappingProxyType

import pytest
import uvicorn
from playwright.sync_api import Page, expect

from conftest import free_port
from e2e.conftest import screenshot
from shell.engine import FragmentConfig, PageApp, Site
from shell.engine import Page as ShellPage
from tessera.runtime.asgi import send_response
from tests.httpserver import Reply, serve

pytestmark = pytest.mark.e2e

ROUTES = {
    "/header": Reply(body=b"<header><a href='/'>tessera.</a></header>"),
    "/product/SKU-1": Reply(body=b"<h1>Studio Kettle</h1>"),
    "/recs/SKU-1": Reply(body=b"<h2>You may also like</h2><p class='recs'>Teapot</p>", delay=3),
}


async def not_found(scope, receive, send):
    if scope["type"] == "http":
        await send_response(send, 404, b"not found")


@pytest.fixture
def shell_with_slow_recs():
    port = free_port()
    ready = threading.Event()
    state = {}

    async def main():
        async with serve(ROUTES) as fragments:
            configs = MappingProxyType(
                {
                    "header": FragmentConfig("header", "/header", instances=(fragments.url,)),
                    "product": FragmentConfig(
                        "product", "/product/{sku}", primary=True, instances=(fragments.url,)
                    ),
                    "recs": FragmentConfig(
                        "recs",
                        "/recs/{sku}",
                        is_async=True,
                        timeout_ms=10_000,
                        instances=(fragments.url,),
                    ),
                }
            )
            page = ShellPage(
                "product",
                "/product/{sku}",
                "product.html",
                "Shop",
                {"header": ("header",), "product": ("product",), "recommendations": ("recs",)},
            )
            site = Site.build([page], configs)
            app = PageApp(lambda: site, not_found, context_key=b"k", visitor_key=b"v")
            server = uvicorn.Server(
                uvicorn.Config(app, port=port, log_level="warning", lifespan="off")
            )
            state["server"] = server
            task = asyncio.create_task(server.serve())
            while not server.started:
                await asyncio.sleep(0.05)
            ready.set()
            await task

    thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    thread.start()
    assert ready.wait(10)
    yield f"http://127.0.0.1:{port}"
    state["server"].should_exit = True
    thread.join(10)


def test_slow_async_fragment_appears_in_its_place_after_the_rest_is_visible(
    shell_with_slow_recs, page: Page
):
    page.goto(shell_with_slow_recs + "/product/SKU-1", wait_until="commit")
    expect(page.get_by_role("heading", name="Studio Kettle")).to_be_visible()
    placeholder = page.locator('[data-fragment="recs"]')
    # The page is already usable while the recommendations are still on their way.
    expect(placeholder).to_be_attached()
    assert placeholder.inner_text() == ""
    screenshot(page, "streaming-before-async")

    expect(placeholder.get_by_role("heading", name="You may also like")).to_be_visible(
        timeout=10_000
    )
    assert page.locator("[data-tessera-fill]").count() == 0  # moved in, not duplicated
    assert page.locator("main .recs").count() == 1
    screenshot(page, "streaming-after-async")
