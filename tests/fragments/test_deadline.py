"""The caller's deadline in the fragment kit: read from `x-tessera-deadline-ms`, it caps every
backend call, so a fragment answers its degraded version in time instead of being cut off.

Timing logic runs on a virtual clock (tests/virtualtime.py): a backend "takes" its delay on
that clock and each test checks when, on it, things ended. What goes through Django's ASGI
handler (which uses threads) is checked without any clock: with no time left, no backend is
asked at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from django.core.handlers.asgi import ASGIHandler
from django.urls import path
from ninja import NinjaAPI
from ninja.testing import TestAsyncClient

from fragments.hero.fragment import bff as hero_bff
from fragments.kit import backends
from fragments.kit.backends import BackendError
from fragments.kit.deadline import (
    DEADLINE_HEADER,
    RENDER_MARGIN,
    DeadlineApp,
    deadline_in,
    parse_budget,
    remaining,
)
from fragments.kit.fragment import load
from fragments.kit.views import fragment_view
from fragments.listing.fragment import render as listing
from tests.fragments.conftest import fragment_request
from tests.virtualtime import run

KETTLE = {"sku": "SKU-1001", "name": "Urban Kettle", "image_url": "/products/SKU-1001/image.svg"}
PRICE = {"sku": "SKU-1001", "price_cents": 1999, "list_price_cents": 1999, "currency": "EUR",
         "deal": False}  # fmt: skip


def now() -> float:
    return asyncio.get_running_loop().time()


class SlowBackends:
    """Backends that answer each (backend, path) after a delay on the loop's clock."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], tuple[float, object]] = {}
        self.asked: list[tuple[str, str, float]] = []  # backend, path, when

    def on(self, backend: str, path: str, answer: object, delay: float = 0.0) -> None:
        self.routes[(backend, path)] = (delay, answer)

    def client(self, name: str) -> httpx.AsyncClient:
        async def handle(request: httpx.Request) -> httpx.Response:
            self.asked.append((name, request.url.path, now()))
            delay, answer = self.routes[(name, request.url.path)]
            await asyncio.sleep(delay)
            return httpx.Response(200, json=answer)

        return httpx.AsyncClient(base_url=f"http://{name}", transport=httpx.MockTransport(handle))


@pytest.fixture
def slow(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlowBackends]:
    fake = SlowBackends()
    monkeypatch.setattr(backends, "backend", fake.client)
    yield fake


@pytest.mark.parametrize(("value", "seconds"), [(b"770", 0.77), (b"0", 0.0), (b"999999", 999.999)])
def test_a_budget_is_ascii_milliseconds(value, seconds):
    assert parse_budget(value) == seconds


@pytest.mark.parametrize(
    "value",
    [None, b"", b"-1", b"+770", b" 770", b"770 ", b"7.5", b"1e3", b"0x10", b"770ms",
     b"1000000", b"9" * 5000, "\u0667\u0667\u0660".encode(), "\uff17".encode()],
)  # fmt: skip
def test_anything_else_is_no_budget(value):
    assert parse_budget(value) is None


def http(*headers: tuple[bytes, bytes]) -> dict:
    return {"type": "http", "method": "GET", "path": "/fragment", "headers": list(headers)}


def test_a_request_runs_within_the_deadline_its_caller_announced_and_only_it():
    seen = []

    async def inner(scope, receive, send):
        await asyncio.sleep(0.1)
        seen.append((scope["type"], remaining()))

    async def scenario():
        app = DeadlineApp(inner)
        await app(http((b"accept", b"text/html"), (DEADLINE_HEADER, b"770")), None, None)
        await app(http(), None, None)  # a caller that does not propagate deadlines
        await app({"type": "lifespan"}, None, None)
        return remaining()

    assert run(scenario()) is None  # nothing stays behind for the next request
    (_, first), *others = seen
    assert first == pytest.approx(0.77 - RENDER_MARGIN - 0.1)
    assert others == [("http", None), ("lifespan", None)]


@pytest.mark.parametrize("value", [b"-1", b"1.5", b"99999999", b"\xff"])
def test_a_bad_header_is_ignored_and_the_request_served(value):
    seen = []

    async def inner(scope, receive, send):
        seen.append(remaining())

    run(DeadlineApp(inner)(http((DEADLINE_HEADER, value)), None, None))
    assert seen == [None]


def test_a_backend_call_ends_at_the_deadline_less_the_render_margin(slow):
    slow.on("pricing", "/prices", [PRICE], delay=10)

    async def scenario():
        with deadline_in(0.5), pytest.raises(BackendError, match="before the caller's deadline"):
            await backends.get_json("pricing", "/prices")
        return now()

    assert run(scenario()) == pytest.approx(0.5 - RENDER_MARGIN)
    assert [(name, path) for name, path, _ in slow.asked] == [("pricing", "/prices")]


def test_a_call_within_the_deadline_or_without_one_is_not_capped(slow):
    slow.on("pricing", "/prices", [PRICE], delay=0.4)
    slow.on("catalog", "/categories", [], delay=5)

    async def scenario():
        with deadline_in(0.5):
            prices = await backends.get_json("pricing", "/prices")
        in_time = now()
        categories = await backends.get_json("catalog", "/categories")  # no deadline
        return prices, in_time, categories, now()

    assert run(scenario()) == ([PRICE], pytest.approx(0.4), [], pytest.approx(5.4))


def test_with_no_time_left_the_backend_is_not_even_asked(slow):
    slow.on("pricing", "/prices", [PRICE])

    async def scenario():
        with deadline_in(RENDER_MARGIN / 2):  # less than rendering needs
            first = await backends.get_json_or("no price", "pricing", "/prices")
        with deadline_in(0.5):
            await asyncio.sleep(0.5 - RENDER_MARGIN)  # spent on something else
            with pytest.raises(BackendError, match="no time left"):
                await backends.call("pricing", "POST", "/prices")
        return first, now()

    assert run(scenario()) == ("no price", pytest.approx(0.5 - RENDER_MARGIN))
    assert slow.asked == []


def test_the_listing_renders_without_prices_within_its_deadline_when_pricing_is_slow(slow):
    slow.on("catalog", "/categories", [{"slug": "books", "name": "Books"}], delay=0.01)
    slow.on("catalog", "/products", {"total": 1, "items": [KETTLE]}, delay=0.01)
    slow.on("pricing", "/prices", [PRICE], delay=0.8)  # the pricing stub delayed by 800 ms
    slow.on("inventory", "/stock", [], delay=0.01)

    async def scenario(budget):
        with deadline_in(budget):
            rendered = await listing(fragment_request(category="books"))
        return rendered.html, now()

    # The shell waits 800 ms and announces 770: the listing is done well before that...
    html, done = run(scenario(0.77))
    assert done == pytest.approx(0.77 - RENDER_MARGIN) and done < 0.77
    assert "Urban Kettle" in html and "listing__price" not in html
    # ...where without a deadline it waited for pricing, and the shell would have cut it off.
    html, done = run(scenario(None))
    assert done == pytest.approx(0.81) and "€19.99" in html


def test_a_bff_picture_is_not_fetched_with_no_time_left(fake_backends):
    async def scenario():
        with deadline_in(0):
            return await TestAsyncClient(hero_bff).get("/images/SKU-1001.svg")

    response = asyncio.run(scenario())
    assert response.status_code == 502
    assert fake_backends.calls == []


# Through Django's ASGI handler, as a fragment service runs: its endpoint and its BFF.
_bff = NinjaAPI(urls_namespace="deadline-test-hero")
_bff.add_router("/", hero_bff)
urlpatterns = [
    path("fragment", fragment_view(load("footer"), "1")),
    path("bff/hero/", _bff.urls),
]


async def asgi_get(target: str, *headers: tuple[bytes, bytes]) -> tuple[int, bytes]:
    """GET `target` from Django (this module's URLs) behind the kit's `DeadlineApp`."""
    sent = []
    received = [{"type": "http.request", "body": b""}]

    async def receive():
        if received:
            return received.pop()
        await asyncio.sleep(3600)

    async def send(message):
        sent.append(message)

    path_, _, query = target.partition("?")
    scope = {
        "type": "http", "method": "GET", "http_version": "1.1", "scheme": "http",
        "path": path_, "raw_path": path_.encode(), "query_string": query.encode(),
        "headers": [(b"host", b"127.0.0.1"), *headers], "server": ("127.0.0.1", 80),
        "client": None,
    }  # fmt: skip
    await DeadlineApp(ASGIHandler())(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


@pytest.mark.urls(__name__)
def test_a_fragment_service_caps_the_backend_calls_of_its_endpoint_and_its_bff(fake_backends):
    fake_backends.on("catalog", "GET", "/categories", [{"slug": "books", "name": "Books"}])
    fake_backends.on("pricing", "GET", "/deals", [])
    no_time = (DEADLINE_HEADER, b"10")  # less than the render margin

    async def both(*headers):
        return [
            await asgi_get("/fragment", *headers),
            await asgi_get("/bff/hero/deals", *headers),
        ]

    (footer, footer_html), (deals, _) = asyncio.run(both(no_time))
    # The footer renders without its categories, the BFF says pricing failed: nothing asked.
    assert footer == 200 and b"Books" not in footer_html
    assert deals == 502
    assert fake_backends.calls == []
    # With time enough, or without the header, both ask their backends as before.
    for headers in [(DEADLINE_HEADER, b"5000")], []:
        (footer, footer_html), (deals, _) = asyncio.run(both(*headers))
        assert footer == 200 and b"Books" in footer_html
        assert deals == 200
    assert [call[:3] for call in fake_backends.calls] == 2 * [
        ("catalog", "GET", "/categories"), ("pricing", "GET", "/deals")
    ]  # fmt: skip
