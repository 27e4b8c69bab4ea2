"""Deploying one fragment into the running stack: no failed page, no restart elsewhere."""

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.core.management import CommandError, call_command

from tessera.runtime.env import REPO_ROOT
from tessera.runtime.visitor import visitor_cookie_value

pytestmark = pytest.mark.integration

PAGE = "/product/SKU-1001"
OLD, NEW = "Customer reviews", "What customers say"
#: The product page's fragments, and the timeout they get while these tests run. A deploy
#: starts a whole new process (migrations, static files) on the same two cores that serve
#: the pages; the seeded 500-800 ms would fail a page for being slow on a busy machine,
#: which is not what these tests are about. Every page must still be complete, from live
#: instances, with no browser retry: a switch that loses a page still fails them.
PAGE_FRAGMENTS = ("header", "product", "buybox", "reviews", "recommendations", "footer")
GENEROUS_TIMEOUT_MS = 5000


def _fragment_timeouts(stack) -> dict[str, int]:
    snapshot = httpx.get(stack.url("registry") + "/api/v1/snapshot", timeout=10).json()
    return {
        f["name"]: f["timeout_ms"] for f in snapshot["fragments"] if f["name"] in PAGE_FRAGMENTS
    }


def _set_fragment_timeouts(stack, timeouts: dict[str, int]) -> None:
    """Change fragments' timeouts in the registry, as an operator would (recorded in its
    history), and wait until the shell composes pages with them."""
    registry = next(placed for placed in stack.stack if placed.name == "registry")
    code = (
        "import json\n"
        "from registry.audit import actor\n"
        "from registry.models import Fragment\n"
        "actor.set('integration tests')\n"
        f"for name, ms in json.loads({json.dumps(json.dumps(timeouts))}).items():\n"
        "    fragment = Fragment.objects.get(name=name)\n"
        "    fragment.timeout_ms = ms\n"
        "    fragment.save()\n"
    )
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "manage.py"), "shell", "-c", code],
        env={**stack.supervisor.environ, "DJANGO_SETTINGS_MODULE": registry.service.settings},
        check=True,
        capture_output=True,
        timeout=120,
    )
    deadline = time.monotonic() + 30
    while True:
        snapshot = httpx.get(stack.url("registry") + "/api/v1/snapshot", timeout=10)
        shell = httpx.get(stack.url("shell") + "/healthz", timeout=10).json()
        if _fragment_timeouts(stack) == timeouts and shell.get("snapshot") == snapshot.headers.get(
            "etag"
        ):
            return
        assert time.monotonic() < deadline, "the shell never served the new timeouts"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def generous_timeouts(stack) -> Iterator[None]:
    seeded = _fragment_timeouts(stack)
    assert set(seeded) == set(PAGE_FRAGMENTS)
    _set_fragment_timeouts(stack, dict.fromkeys(seeded, GENEROUS_TIMEOUT_MS))
    try:
        yield
    finally:
        _set_fragment_timeouts(stack, seeded)


@pytest.fixture(scope="module")
def reviews_put_back(stack) -> Iterator[None]:
    """The deploys replace the reviews instance the stack started with (a rollback starts
    the version before anew, on another port). The stack is the whole session's: afterwards
    the original is started again where it was, so that later tests find the service at
    `stack.url("reviews-fragment")`, the deploys' instances stop and the traffic setting is
    what it was."""
    registry = stack.url("registry") + "/api/v1"
    auth = {"Authorization": f"Bearer {stack.secrets['TESSERA_REGISTRY_TOKEN']}"}
    traffic = httpx.get(registry + "/fragments/reviews/traffic", timeout=10).json()
    yield
    supervisor = stack.supervisor
    if "reviews-fragment" not in supervisor.processes:
        stack.run(supervisor.start_service("reviews-fragment"))
    original = stack.url("reviews-fragment")
    deadline = time.monotonic() + 30
    while not any(
        i["fragment"] == "reviews" and i["base_url"] == original and i["up"]
        for i in httpx.get(registry + "/instances", timeout=10).json()
    ):
        assert time.monotonic() < deadline, "the original reviews instance never registered"
        time.sleep(0.2)
    put = {k: traffic[k] for k in ("pinned_version", "canary_version", "canary_percent")}
    response = httpx.put(registry + "/fragments/reviews/traffic", json=put, headers=auth)
    assert response.status_code == 200, response.text
    for label, process in list(supervisor.processes.items()):
        if process.placed.name == "reviews-fragment" and label != "reviews-fragment":
            stack.run(supervisor.stop_service(label))  # deregisters, drains, stops
    deadline = time.monotonic() + 30
    while not _complete(httpx.get(stack.url("shell") + PAGE, timeout=10).text):
        assert time.monotonic() < deadline, "the product page never had every fragment again"
        time.sleep(0.2)


@pytest.fixture
def deploy_env(stack, monkeypatch):
    """The deploy commands find the stack's control socket and history in its data dir;
    the product page is composed from every fragment before a test starts."""
    monkeypatch.setenv("TESSERA_DATA_DIR", str(stack.data_dir))
    for name, value in stack.secrets.items():
        monkeypatch.setenv(name, value)
    deadline = time.monotonic() + 30
    while not _complete(httpx.get(stack.url("shell") + PAGE).text):
        assert time.monotonic() < deadline, "the product page never had every fragment"
        time.sleep(0.2)
    return stack


def _complete(html: str) -> bool:
    """Every fragment of the page came, none is a retry placeholder."""
    return _reviews_heading(html) is not None and "data-tessera-retry" not in html


def _reviews_heading(html: str) -> str | None:
    for heading in (OLD, NEW):
        if f'<h2 id="reviews-title">{heading}</h2>' in html:
            return heading
    return None


class PageLoop:
    """Fetches the product page in a bounded loop in the background, recording every answer."""

    def __init__(self, url: str, limit: int = 4000) -> None:
        self.url, self.limit = url, limit
        self.results: list[tuple[int, str | None]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self._stop.is_set() and len(self.results) < self.limit:
                try:
                    response = client.get(self.url)
                except httpx.HTTPError as exc:  # a page that never came is a failed page too
                    self.results.append((0, f"{type(exc).__name__}: {exc}"))
                    continue
                html = response.text
                heading = _reviews_heading(html) if _complete(html) else None
                self.results.append((response.status_code, heading))
                client.cookies.clear()  # every page a new visitor

    def __enter__(self) -> "PageLoop":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(40)  # a page in flight has 30 s
        assert not self._thread.is_alive(), "the page loop did not stop"

    def failures(self) -> list[tuple[int, str | None]]:
        return [r for r in self.results if r[0] != 200 or r[1] not in (OLD, NEW)]


def _headings(url: str, visitors: int = 20) -> set[str | None]:
    return {_reviews_heading(httpx.get(url).text) for _ in range(visitors)}


def _pids(stack) -> dict[str, int]:
    return {label: p.proc.pid for label, p in stack.supervisor.processes.items()}


def test_deploy_and_rollback_of_reviews_fail_no_page_and_touch_nothing_else(
    deploy_env, generous_timeouts, reviews_put_back
):
    stack = deploy_env
    url = stack.url("shell") + PAGE
    assert _headings(url) == {OLD}
    before = _pids(stack)

    with PageLoop(url) as during_deploy:
        call_command("deploy", "reviews", "--version", "2", "--env", f"REVIEWS_HEADING={NEW}")
    assert len(during_deploy.results) >= 10 and during_deploy.failures() == []
    assert _headings(url) == {NEW}

    with PageLoop(url) as during_rollback:
        call_command("rollback", "reviews")
    assert len(during_rollback.results) >= 10 and during_rollback.failures() == []
    assert _headings(url) == {OLD}

    after = _pids(stack)
    untouched = {label for label in before if label != "reviews-fragment"}
    assert {label: after[label] for label in untouched} == {
        label: before[label] for label in untouched
    }  # the shell and every other service kept their process
    assert "reviews-fragment" not in after  # the original reviews instance was replaced


def test_a_canary_serves_half_the_visitors_each_always_the_same_version(
    deploy_env, generous_timeouts, reviews_put_back
):
    stack = deploy_env
    url = stack.url("shell") + PAGE
    call_command("deploy", "reviews", "--version", "3", "--canary", "50", "--env",
                 f"REVIEWS_HEADING={NEW}")  # fmt: skip
    key = stack.secrets["TESSERA_VISITOR_KEY"].encode()
    try:

        def heading_for(visitor: int) -> str | None:
            signed = visitor_cookie_value(f"canary-visitor-{visitor:06d}", key)
            cookie = {"Cookie": f"tessera_visitor={signed}"}
            return _reviews_heading(httpx.get(url, headers=cookie, timeout=10).text)

        with ThreadPoolExecutor(8) as pool:
            seen = dict(enumerate(pool.map(heading_for, range(120))))
            again = dict(enumerate(pool.map(heading_for, range(40))))
        assert None not in seen.values()
        share = sum(h == NEW for h in seen.values()) / len(seen)
        assert 0.35 <= share <= 0.65, share
        assert again == {n: seen[n] for n in range(40)}  # each visitor keeps their version
    finally:
        call_command("rollback", "reviews")
    assert _headings(url) == {OLD}


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["deploy", "nope"], "the registry knows no fragment 'nope'"),
        (["deploy", "reviews", "--version", "dev"], "reviews dev is already running"),
        (["deploy", "reviews", "--version", "../x"], "letters, digits"),
        (["deploy", "reviews", "--canary", "100"], "from 1 to 99 percent"),
        (["deploy", "reviews", "--env", "lower=1"], "NAME=VALUE"),
        (["deploy", "reviews", "--promote"], "reviews has no canary to promote"),
        (["rollback", "header"], "header has no previous version to roll back to"),
    ],
)
def test_refused_deploys_say_why_and_change_nothing(deploy_env, command, message):
    before = _pids(deploy_env)
    with pytest.raises(CommandError, match=message):
        call_command(*command)
    assert _pids(deploy_env) == before


def test_deploy_without_a_running_stack_says_how_to_start_one(tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_DATA_DIR", str(tmp_path))
    with pytest.raises(CommandError, match="no running stack: start it with"):
        call_command("deploy", "reviews", "--version", "2")
