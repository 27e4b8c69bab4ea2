"""Every backend stub's API and every fragment BFF, fuzzed from its own OpenAPI document.

Real processes on loopback (the session's `stack`). For each operation schemathesis makes
requests that fit the document and requests that break it (wrong types, huge numbers,
control characters in path parameters, missing fields...), and holds every answer to the
document: never a 5xx, only documented statuses, content types and bodies, and input that
breaks the document refused with a 4xx. BFF requests carry a visitor token signed with the
stack's context key, as the shell's gateway sends it. Each BFF is fuzzed again through the
shell's gateway, as a browser reaches it: with the shell's signed visitor cookie and the
CSRF cookie and header.

The generation is derandomized (the same cases every run) and bounded, so the file takes
well under two minutes; a failure prints a curl command that replays it.
"""

from __future__ import annotations

import re
import time

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from fragments.kit.fragment import load
from tessera.ops.services import SERVICES
from tessera.runtime.visitor import VISITOR_HEADER, sign_visitor, visitor_cookie_value
from tests.fuzz.checks import CHECKS

pytestmark = pytest.mark.integration

EXAMPLES = 25  # per operation and generation mode
BACKENDS = [s.name for s in SERVICES if s.kind == "backend"]
BFFS = [
    name
    for name in (s.env["TESSERA_FRAGMENT"] for s in SERVICES if s.kind == "fragment")
    if load(name).bff is not None
]
APIS = [("backend", name) for name in BACKENDS] + [("bff", name) for name in BFFS]
VISITOR = "fuzz-visitor-0123456789"


def _api(stack, kind: str, name: str) -> tuple[str, str]:
    """(base URL, path of the OpenAPI document) of a backend stub or a fragment's BFF, or of
    a BFF through the shell's gateway."""
    if kind == "backend":
        return stack.url(name), "/openapi.json"
    service = "shell" if kind == "gateway" else f"{name}-fragment"
    return stack.url(service), f"/bff/{name}/openapi.json"


def _visitor_headers(stack) -> dict[str, str]:
    key = stack.secrets["TESSERA_CONTEXT_KEY"].encode()
    return {VISITOR_HEADER: sign_visitor(VISITOR, key, time.time())}


def _browser_headers(stack) -> dict[str, str]:
    """What a browser that has opened a page sends the gateway with a write."""
    visitor = visitor_cookie_value(VISITOR, stack.secrets["TESSERA_VISITOR_KEY"].encode())
    csrf = "f" * 32
    return {"Cookie": f"tessera_visitor={visitor}; csrftoken={csrf}", "X-CSRFToken": csrf}


def _fuzz(operation, mode: GenerationMode, base_url: str, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=10)

    run()


@pytest.mark.parametrize(("kind", "name"), APIS + [("gateway", name) for name in BFFS])
def test_every_operation_holds_to_its_openapi_document(stack, kind, name):
    base_url, document = _api(stack, kind, name)
    schema = schemathesis.openapi.from_url(base_url + document)
    headers = _browser_headers(stack) if kind == "gateway" else _visitor_headers(stack)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in GenerationMode:
            try:
                _fuzz(operation, mode, base_url, headers)
            except Unsatisfiable:  # nothing to break: an operation without any parameter
                assert mode is GenerationMode.NEGATIVE
            except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises groups
                failures.append(f"{operation.label} ({mode.value}):\n{exc}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize(("kind", "name"), APIS)
def test_every_docs_page_is_served_with_its_own_assets(stack, kind, name):
    base_url, document = _api(stack, kind, name)
    page = httpx.get(base_url + document.replace("openapi.json", "docs"))
    assert page.status_code == 200, page.text[:500]
    assert page.headers["content-type"].startswith("text/html")
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert any("swagger-ui-bundle" in asset for asset in assets)
    for asset in assets:
        assert asset.startswith("/"), f"{asset} is not served by the service itself"
        assert httpx.get(base_url + asset).status_code == 200, asset


@pytest.mark.parametrize(("kind", "name"), APIS)
def test_a_path_nothing_serves_is_a_404_in_the_apis_shape(stack, kind, name):
    base_url, document = _api(stack, kind, name)
    for path in ("nothing/here", "products//reviews"):
        response = httpx.get(base_url + document.replace("openapi.json", path))
        assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})


#: Path and query values that once crashed a renderer or could trick one, percent-encoded
#: as they travel: Unicode digits, huge and negative numbers, NUL and other control
#: characters, bytes that are not UTF-8, dot segments and encoded slashes.
HOSTILE = [
    "%C2%B2",  # "²": str.isdigit() says yes, int() raises
    "%D9%A3",  # "٣": a digit to `\d` and int()
    "-1",
    "9" * 3000,
    "%00",
    "SKU-1001%00",
    "%0D%0AX-Injected:%201",
    "%FF%FE",
    "%E2%80%AE",  # right-to-left override
    "..",
    "%2E%2E",
    "..%2F..%2Fcarts%2Fvisitor-0123456789",
    "a" * 5000,
]
FRAGMENTS = [s for s in SERVICES if s.kind == "fragment"]
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


@pytest.mark.parametrize("service", FRAGMENTS, ids=[s.name for s in FRAGMENTS])
def test_every_fragment_answers_hostile_values_with_a_page_or_a_404(stack, service):
    """Fragments are not in an OpenAPI document: each path and query parameter of each
    fragment's path template gets every hostile value, alone."""
    fragment = load(service.env["TESSERA_FRAGMENT"])
    path, _, query = fragment.path.partition("?")
    names = [part.partition("=")[0] for part in query.split("&") if part]
    known = PLACEHOLDER.sub("SKU-1001", path)  # path parameters are SKUs, where there are any
    base_url = stack.url(service.name)
    with httpx.Client(base_url=base_url, headers=_visitor_headers(stack), timeout=10) as client:
        for value in HOSTILE:
            urls = [PLACEHOLDER.sub(lambda _, v=value: v, path)] if path != known else []
            urls += [f"{known}?{name}={value}" for name in names]
            for url in urls:
                status = client.get(url).status_code
                assert status in (200, 404), f"{status} for {url[:200]}"
