"""Fake backends for fragment tests: each BFF and renderer calls them through the kit's real
httpx clients, with the transport swapped for a scripted one."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from django.test import RequestFactory

from fragments.kit import backends
from tessera.runtime.env import REPO_ROOT
from tessera.runtime.visitor import sign_visitor

KEY = "unit-test-context-key"  # tests/settings.py's CONTEXT_KEY
VISITOR = "visitor-0123456789"

Handler = Callable[[httpx.Request], httpx.Response]
#: Every fragment's catalog and the kit's: one process serves them all here, where each
#: service has its own and the kit's (fragments/kit/settings.py).
LOCALE_PATHS = sorted((REPO_ROOT / "fragments").glob("*/locale"))


class FakeBackends:
    """Scripted answers per (backend, method, path); records every call."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str, str], Handler | httpx.Response] = {}
        self.calls: list[tuple[str, str, str, Any]] = []
        self.down: set[str] = set()

    def on(self, backend: str, method: str, path: str, answer: Handler | Any, status=200):
        self.routes[(backend, method, path)] = (
            answer if callable(answer) else httpx.Response(status, json=answer)
        )

    def transport(self, backend: str) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            body = json.loads(request.content) if request.content else None
            self.calls.append((backend, request.method, request.url.path, body))
            if backend in self.down:
                raise httpx.ConnectError("connection refused", request=request)
            answer = self.routes.get((backend, request.method, request.url.path))
            if answer is None:
                return httpx.Response(404, json={"detail": "Not Found"})
            return answer(request) if callable(answer) else answer

        return httpx.MockTransport(handle)


@pytest.fixture(autouse=True)
def fragment_catalogs(settings) -> None:
    """The fragments' translations, as a fragment service loads its own."""
    settings.LOCALE_PATHS = LOCALE_PATHS


@pytest.fixture
def fake_backends(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBackends]:
    fake = FakeBackends()

    def client(name: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=f"http://{name}", transport=fake.transport(name))

    monkeypatch.setattr(backends, "backend", client)
    yield fake


def visitor_headers(visitor: str = VISITOR) -> dict[str, str]:
    return {"X-Tessera-Visitor": sign_visitor(visitor, KEY.encode(), time.time())}


def fragment_request(path: str = "/fragment", visitor: str | None = VISITOR, **query: str):
    headers = {}
    if visitor is not None:
        headers["HTTP_X_TESSERA_VISITOR"] = visitor_headers(visitor)["X-Tessera-Visitor"]
    return RequestFactory().get(path, query, **headers)


#: One product of the demo shop, as the backends answer for it (tests/fragments/*).
SKU = "SKU-1001"
CATEGORIES = [
    {"slug": "kitchen", "name": "Kitchen", "icon": "chef-hat", "product_count": 10},
    {"slug": "books", "name": "Books", "icon": "library-big", "product_count": 10},
]
KETTLE = {
    "sku": SKU,
    "name": "Urban Kettle",
    "category": "kitchen",
    "description": "A kettle made of steel. Built to last.",
    "attributes": {"material": "steel"},
}
PRICE = {"sku": SKU, "price_cents": 1999, "list_price_cents": 2999, "currency": "EUR",
         "deal": True}  # fmt: skip
REVIEWS = {
    "sku": SKU,
    "summary": {"count": 1, "average": 4.0, "histogram": {"4": 1}},
    "items": [{"id": 1, "author": "Ada", "rating": 4, "title": "Quiet",
               "body": "Boils a litre in two minutes.", "created_at": "2026-11-20T10:00:00"}],
}  # fmt: skip


@pytest.fixture
def shop(fake_backends):
    """Every backend answering, for a visitor with two items in the cart."""
    on = fake_backends.on
    on("catalog", "GET", "/categories", CATEGORIES)
    on("catalog", "GET", f"/products/{SKU}", KETTLE)
    on("catalog", "GET", "/products", {"total": 1, "items": [KETTLE]})
    on("pricing", "GET", "/prices", [PRICE])
    on("pricing", "GET", f"/prices/{SKU}", PRICE)
    on("pricing", "GET", "/deals", [PRICE])
    on("inventory", "GET", f"/stock/{SKU}", {"sku": SKU, "quantity": 7, "in_stock": True})
    on("inventory", "GET", "/stock", [{"sku": SKU, "quantity": 7, "in_stock": True}])
    on("reviews", "GET", f"/products/{SKU}/reviews", REVIEWS)
    on("recommendations", "GET", f"/products/{SKU}/related", {"sku": SKU, "related": [SKU]})
    on("cart", "GET", f"/carts/{VISITOR}", {
        "visitor": VISITOR, "items": [{"sku": SKU, "quantity": 2}], "count": 2
    })  # fmt: skip
    return fake_backends
