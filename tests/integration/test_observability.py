"""Every service's `/metrics` over real HTTP, counters that move with traffic, and one
browser request's id in the logs of the shell's gateway, the BFF and its backend."""

import json
import time

import httpx
import pytest

from tessera.ops.combinedlog import log_files
from tests.prometheus import samples

pytestmark = pytest.mark.integration


def _scrape(stack, url: str) -> dict[str, float]:
    token = stack.secrets["TESSERA_METRICS_TOKEN"]
    response = httpx.get(url + "/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return samples(response.text)


def _total(scraped: dict[str, float], prefix: str, *labels: str) -> float:
    return sum(
        value
        for name, value in scraped.items()
        if name.startswith(prefix) and all(label in name for label in labels)
    )


def test_every_service_answers_metrics_only_to_the_token(stack):
    for process in stack.supervisor.processes.values():
        url = process.placed.url
        assert httpx.get(url + "/metrics").status_code == 401
        wrong = httpx.get(url + "/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        samples = _scrape(stack, url)
        assert samples["process_resident_memory_bytes"] > 0, process.placed.name


def test_counters_move_in_the_shell_a_fragment_a_backend_and_the_registry(stack):
    shell, fragment, backend = (stack.url(n) for n in ("shell", "product-fragment", "catalog"))
    before = [_scrape(stack, url) for url in (shell, fragment, backend)]
    for _ in range(3):
        assert httpx.get(shell + "/product/SKU-1044", timeout=10).status_code == 200
    after = [_scrape(stack, url) for url in (shell, fragment, backend)]
    page = ('route="product"', 'method="GET"', 'status="200"')
    requests = "tessera_http_requests_total"
    assert _total(after[0], requests, *page) == _total(before[0], requests, *page) + 3
    product = ('fragment="product"',)
    outcomes = "tessera_fragment_outcomes_total"
    assert _total(after[0], outcomes, *product) == _total(before[0], outcomes, *product) + 3
    assert _total(after[0], "tessera_http_time_to_first_byte_seconds_count", 'route="product"') >= 3
    # The fragment service was asked at least once (then the shell may keep its copy).
    assert _total(after[1], requests, 'route="fragment/<str:sku>"') > _total(
        before[1], requests, 'route="fragment/<str:sku>"'
    )
    assert _total(after[2], requests) > _total(before[2], requests)
    assert after[0]["tessera_snapshot_age_seconds"] < 30
    registry = _scrape(stack, stack.url("registry"))
    assert registry['tessera_registry_instances{fragment="product",state="live"}'] >= 1


def _lines_with(stack, request_id: str, services: set[str], timeout: float = 10.0) -> list:
    deadline = time.monotonic() + timeout
    while True:
        lines = []
        for path in log_files(stack.log_path):
            if not path.exists():  # no rotated file yet
                continue
            for text in path.read_text(errors="replace").splitlines():
                if request_id in text:
                    lines.append(json.loads(text))
        if services <= {line.get("service") for line in lines}:
            return lines
        if time.monotonic() > deadline:
            pytest.fail(f"{request_id} reached only {lines}")
        time.sleep(0.2)


def test_a_browser_request_through_the_gateway_is_logged_by_each_hop_with_its_id(stack):
    response = httpx.get(stack.url("shell") + "/bff/hero/deals", timeout=10)
    assert response.status_code == 200
    request_id = response.headers["x-request-id"]
    lines = _lines_with(stack, request_id, {"shell", "hero-fragment", "pricing"})
    spans = {line["service"]: line for line in lines if line["logger"] == "tessera.access"}
    gateway, bff, backend = spans["shell"], spans["hero-fragment"], spans["pricing"]
    assert gateway["route"] == "bff hero" and gateway["parent_span_id"] == ""
    assert bff["parent_span_id"] == gateway["span_id"]
    assert backend["parent_span_id"] == bff["span_id"]
    assert {gateway["trace_id"], bff["trace_id"], backend["trace_id"]} == {gateway["trace_id"]}
