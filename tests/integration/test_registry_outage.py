"""The storefront survives its registry: in memory, and across a shell restart from disk."""

import time

import httpx
import pytest

from conftest import RunningStack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory):
    """A stack of its own: these tests stop and restart services."""
    running = RunningStack(tmp_path_factory.mktemp("outage"))
    running.start()
    yield running
    running.stop()


def _composed(stack) -> bool:
    try:
        html = httpx.get(stack.url("shell") + "/", timeout=5).text
    except httpx.HTTPError:
        return False
    return 'class="site-header"' in html and 'class="hero__deal"' in html


def _eventually(condition, timeout=15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.2)


def test_pages_keep_working_while_the_registry_is_down_even_after_a_shell_restart(own_stack):
    _eventually(lambda: _composed(own_stack))
    own_stack.run(own_stack.supervisor.stop_service("registry"))
    with pytest.raises(httpx.ConnectError):
        httpx.get(own_stack.url("registry") + "/healthz")

    # The running shell keeps its snapshot in memory.
    assert _composed(own_stack)

    # A shell started now cannot reach the registry: it serves from the disk copy.
    shell_pid = own_stack.supervisor.processes["shell"].proc.pid
    own_stack.run(own_stack.supervisor.stop_service("shell"))
    own_stack.run(own_stack.supervisor.start_service("shell"))
    assert own_stack.supervisor.processes["shell"].proc.pid != shell_pid
    assert _composed(own_stack)
    assert "refresh failed" in own_stack.output.getvalue()

    # When the registry is back, the shell picks up changes again.
    own_stack.run(own_stack.supervisor.start_service("registry"))
    _eventually(lambda: httpx.get(own_stack.url("shell") + "/healthz").json()["fragments"] >= 2)
    assert _composed(own_stack)
