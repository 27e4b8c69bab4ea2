"""Deploying one fragment into the running stack: no failed page, no restart elsewhere."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.core.management import CommandError, call_command

from tessera.runtime.visitor import visitor_cookie_value

PAGE = "/product/SKU-1001"
OLD, NEW = "Customer reviews", "What customers say"


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
        with httpx.Client(timeout=10) as client:
            while not self._stop.is_set() and len(self.results) < self.limit:
                response = client.get(self.url)
                html = response.text
                heading = _reviews_heading(html) if _complete(html) else None
                self.results.append((response.status_code, heading))
                client.cookies.clear()  # every page a new visitor

    def __enter__(self) -> "PageLoop":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(15)

    def failures(self) -> list[tuple[int, str | None]]:
        return [r for r in self.results if r[0] != 200 or r[1] is None]


def _headings(url: str, visitors: int = 20) -> set[str | None]:
    return {_reviews_heading(httpx.get(url).text) for _ in range(visitors)}


def _pids(stack) -> dict[str, int]:
    return {label: p.proc.pid for label, p in stack.supervisor.processes.items()}


def test_deploy_and_rollback_of_reviews_fail_no_page_and_touch_nothing_else(deploy_env):
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


def test_a_canary_serves_half_the_visitors_each_always_the_same_version(deploy_env):
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
