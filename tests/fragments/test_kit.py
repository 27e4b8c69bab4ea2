"""The fragment kit: declaring a fragment, and staying registered with the registry."""

import asyncio
import json

import httpx
import pytest
from registry.management.commands.seed import FRAGMENTS as SEEDED

from fragments.kit.fragment import Fragment, load
from fragments.kit.registration import Registration
from tessera.conf import REPO_ROOT


async def _render(request):
    return ""


def test_path_templates_become_django_patterns():
    assert Fragment("x", _render).django_path() == "fragment"
    assert Fragment("x", _render, path="/fragment/{sku}/{page}").django_path() == (
        "fragment/<str:sku>/<str:page>"
    )
    assert Fragment("x", _render, path="/list?q={q}&page={page}").django_path() == "list"


FRAGMENTS = sorted(
    p.parent.name for p in (REPO_ROOT / "fragments").glob("*/fragment.py") if p.parent.name != "kit"
)


@pytest.mark.parametrize("name", FRAGMENTS)
def test_each_fragment_module_declares_the_fragment_of_its_name(name):
    fragment = load(name)
    assert fragment.name == name and fragment.styles
    for asset in (*fragment.styles, *fragment.scripts):
        assert (REPO_ROOT / "fragments" / name / "static" / asset).is_file()


@pytest.mark.parametrize("name", FRAGMENTS)
def test_the_registry_seed_configures_each_fragment_as_it_declares_itself(name):
    fragment, seeded = load(name), SEEDED[name]
    assert seeded["path_template"] == fragment.path
    assert seeded.get("primary", False) == fragment.primary
    assert seeded.get("is_async", False) == fragment.is_async


class FakeRegistry:
    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.calls: list[tuple[str, str]] = []
        self.instances: dict[int, dict] = {}
        self.next_id = 1

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.method, request.url.path))
        assert request.headers["Authorization"] == "Bearer t0ken"
        if self.failures:
            self.failures -= 1
            raise httpx.ConnectError("not up yet", request=request)
        if request.method == "POST" and request.url.path == "/api/v1/instances":
            self.instances[self.next_id] = json.loads(request.content)
            self.next_id += 1
            return httpx.Response(201, json={"id": self.next_id - 1})
        instance_id = int(request.url.path.split("/")[4])
        if instance_id not in self.instances:
            return httpx.Response(404, json={"detail": "Not Found"})
        if request.method == "DELETE":
            del self.instances[instance_id]
            return httpx.Response(204)
        return httpx.Response(200, json={"id": instance_id})


def _registration(registry: FakeRegistry) -> Registration:
    return Registration(
        registry_url="http://registry/",
        token="t0ken",
        payload={"fragment": "hero", "base_url": "http://127.0.0.1:8102"},
        heartbeat_interval=0.01,
        transport=httpx.MockTransport(registry),
    )


async def _until(condition, steps=500):
    for _ in range(steps):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never held")


def test_registers_retrying_until_the_registry_answers_then_deregisters_on_stop():
    registry = FakeRegistry(failures=3)
    registration = _registration(registry)

    async def scenario():
        await registration.start()
        await asyncio.wait_for(registration.registered.wait(), 5)
        assert registry.instances == {1: {"fragment": "hero", "base_url": "http://127.0.0.1:8102"}}
        await _until(lambda: ("POST", "/api/v1/instances/1/heartbeat") in registry.calls)
        await registration.stop()

    asyncio.run(scenario())
    assert registry.calls[:3] == [("POST", "/api/v1/instances")] * 3
    assert registry.calls[-1] == ("DELETE", "/api/v1/instances/1")
    assert registry.instances == {}


def test_a_registry_that_forgot_the_instance_gets_it_registered_again():
    registry = FakeRegistry()
    registration = _registration(registry)

    async def scenario():
        await registration.start()
        await asyncio.wait_for(registration.registered.wait(), 5)
        registry.instances.clear()  # e.g. the registry's database was reset
        await _until(lambda: registry.instances)
        await registration.stop()
        return registration

    asyncio.run(scenario())
    assert registry.calls.count(("POST", "/api/v1/instances")) == 2
    assert ("DELETE", "/api/v1/instances/2") in registry.calls


def test_the_visitor_is_known_only_from_a_valid_token(settings):
    import time

    from django.test import RequestFactory

    from fragments.kit.visitor import visitor_of
    from tessera.visitor import sign_visitor

    settings.CONTEXT_KEY = "unit-test-context-key"
    good = sign_visitor("visitor-abcdefgh", b"unit-test-context-key", time.time())
    forged = sign_visitor("visitor-abcdefgh", b"someone-elses-key", time.time())
    factory = RequestFactory()
    assert visitor_of(factory.get("/", HTTP_X_TESSERA_VISITOR=good)) == "visitor-abcdefgh"
    assert visitor_of(factory.get("/", HTTP_X_TESSERA_VISITOR=forged)) is None
    assert visitor_of(factory.get("/")) is None
