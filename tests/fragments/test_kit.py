"""The fragment kit: declaring a fragment, and staying registered with the registry."""

import asyncio
import json

import httpx
import pytest
from registry import configuration
from registry.management.commands.seed import STOREFRONT

from fragments.kit.fragment import Fragment, load
from fragments.kit.registration import Registration
from tessera.runtime.env import REPO_ROOT
from tests import virtualtime


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
#: Each fragment's settings in the demo storefront's configuration (what `seed` creates).
SEEDED = {f.name: f.values for f in configuration.load(STOREFRONT.read_text()).fragments}


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
    assert seeded["primary"] == fragment.primary
    assert seeded["is_async"] == fragment.is_async


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
        heartbeat_interval=HEARTBEAT,
        transport=httpx.MockTransport(registry),
    )


# The heartbeat tests run on a virtual clock (tests/virtualtime.py; the registry is an
# httpx.MockTransport, no socket): the retries' backoff and the heartbeat interval pass at
# once, each at its exact moment, however loaded the machine.
HEARTBEAT = 5.0
REGISTER = ("POST", "/api/v1/instances")


def test_registers_retrying_until_the_registry_answers_then_deregisters_on_stop():
    registry = FakeRegistry(failures=3)
    registration = _registration(registry)

    async def scenario():
        loop = asyncio.get_running_loop()
        await registration.start()
        await registration.registered.wait()
        registered = (loop.time(), list(registry.calls), dict(registry.instances))
        await asyncio.sleep(HEARTBEAT - 0.1)
        before_beat = list(registry.calls)
        await asyncio.sleep(0.2)
        after_beat = list(registry.calls)
        await registration.stop()
        return registered, before_beat, after_beat

    registered, before_beat, after_beat = virtualtime.run(scenario())
    # Refused at 0, 0.1 and 0.3 s (a doubling backoff), registered at 0.7 s.
    at, calls, instances = registered
    assert at == pytest.approx(0.7)
    assert calls == [REGISTER] * 4
    assert instances == {1: {"fragment": "hero", "base_url": "http://127.0.0.1:8102"}}
    # The first heartbeat one interval after registering, not before.
    assert before_beat == [REGISTER] * 4
    assert after_beat == [*[REGISTER] * 4, ("POST", "/api/v1/instances/1/heartbeat")]
    assert registry.calls[-1] == ("DELETE", "/api/v1/instances/1")
    assert registry.instances == {}


def test_a_registry_that_forgot_the_instance_gets_it_registered_again():
    registry = FakeRegistry()
    registration = _registration(registry)

    async def scenario():
        await registration.start()
        await registration.registered.wait()  # at 0
        registry.instances.clear()  # e.g. the registry's database was reset
        await asyncio.sleep(HEARTBEAT - 0.1)
        before_beat = dict(registry.instances)
        await asyncio.sleep(0.15)  # the heartbeat at 5 s got a 404
        after_beat = (list(registry.calls), dict(registry.instances))
        await registration.stop()
        return before_beat, after_beat

    before_beat, (calls, instances) = virtualtime.run(scenario())
    assert before_beat == {}
    # Registered again at once (at 5 s), not after a backoff or another interval.
    assert calls == [REGISTER, ("POST", "/api/v1/instances/1/heartbeat"), REGISTER]
    assert list(instances) == [2]
    assert registry.calls[-1] == ("DELETE", "/api/v1/instances/2")


def test_the_visitor_is_known_only_from_a_valid_token(settings):
    import time

    from django.test import RequestFactory

    from fragments.kit.visitor import visitor_of
    from tessera.runtime.visitor import sign_visitor

    settings.CONTEXT_KEY = "unit-test-context-key"
    good = sign_visitor("visitor-abcdefgh", b"unit-test-context-key", time.time())
    forged = sign_visitor("visitor-abcdefgh", b"someone-elses-key", time.time())
    factory = RequestFactory()
    assert visitor_of(factory.get("/", HTTP_X_TESSERA_VISITOR=good)) == "visitor-abcdefgh"
    assert visitor_of(factory.get("/", HTTP_X_TESSERA_VISITOR=forged)) is None
    assert visitor_of(factory.get("/")) is None


@pytest.mark.parametrize(
    ("raw", "page"),
    [
        ("3", 3),
        ("1000", 1000),
        ("", 1),
        ("²", 1),  # str.isdigit() says yes, int() says no
        ("٣", 1),  # an Arabic-Indic three: int() would read it, the grammar does not
        ("0", 1),
        ("1001", 1),
        ("-2", 1),
        ("+2", 1),
        (" 2", 1),
        ("2.0", 1),
        ("1_0", 1),
        ("9" * 5000, 1),  # no 5000-digit int() either
    ],
)
def test_query_numbers_are_plain_ascii_digits_within_bounds_or_the_default(raw, page):
    from django.http import QueryDict

    from fragments.kit.params import query_int

    query = QueryDict(mutable=True)
    query["page"] = raw
    assert query_int(query, "page", default=1, minimum=1, maximum=1000) == page


def test_query_text_loses_control_characters_and_is_bounded():
    from django.http import QueryDict

    from fragments.kit.params import query_text

    query = QueryDict("q=%00red%0D%0A%1Bkettle%C2%85+&long=" + "x" * 500 + "&bad=%FF%FE")
    assert query_text(query, "q", max_length=100) == "red kettle"
    assert query_text(query, "long", max_length=100) == "x" * 100
    assert query_text(query, "bad", max_length=100) == "\ufffd\ufffd"  # not UTF-8: replaced
    assert query_text(query, "missing", max_length=100) == ""


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("SKU-1001", True),
        ("SKU-1", True),
        ("SKU-\u0661\u0660\u0660\u0661", False),  # Arabic-Indic digits
        ("SKU-1\n", False),
        ("SKU-123456789", False),
        ("../SKU-1", False),
        ("sku-1", False),
    ],
)
def test_a_sku_has_ascii_digits_and_nothing_around_them(value, ok):
    from fragments.kit.params import is_sku

    assert is_sku(value) is ok


def test_backend_paths_are_built_only_from_safe_segments():
    from fragments.kit.backends import backend_path

    assert backend_path("carts", "visitor-0123456789", "items", "SKU-1") == (
        "/carts/visitor-0123456789/items/SKU-1"
    )
    for segment in ("..", ".", "", "a/b", "..%2F..", "SKU-1?x=1", "SKU-1#x", "é", "a\nb"):
        with pytest.raises(ValueError, match="unsafe backend path segment"):
            backend_path("carts", "visitor-0123456789", "items", segment)
