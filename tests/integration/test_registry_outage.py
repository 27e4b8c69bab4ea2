"""The storefront survives its registry: in memory, across a shell restart from disk, and
across a registry restart after an outage longer than the heartbeat TTL."""

import time
from datetime import UTC, datetime

import httpx
import pytest

from conftest import RunningStack

pytestmark = pytest.mark.integration


#: Heartbeats every 3 s against a TTL of 5 s: an outage of 7 s outlasts every instance's TTL,
#: and after the registry is back each instance heartbeats again only up to 3 s later.
TTL, INTERVAL = 5.0, 3.0


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory):
    """A stack of its own: these tests stop and restart services."""
    running = RunningStack(tmp_path_factory.mktemp("outage"))
    running.supervisor.environ.update(
        {"TESSERA_REGISTRY_HEARTBEAT_TTL": str(TTL), "TESSERA_HEARTBEAT_INTERVAL": str(INTERVAL)}
    )
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


def _heartbeated_since(stack, moment: datetime) -> bool:
    """Whether every self-registered instance has heartbeated after `moment`."""
    try:
        instances = httpx.get(stack.url("registry") + "/api/v1/instances", timeout=5).json()
    except httpx.HTTPError:
        return False
    return all(
        datetime.fromisoformat(instance["last_heartbeat"]) > moment
        for instance in instances
        if not instance["manual"]
    )


def test_a_registry_restarted_after_more_than_a_ttl_hands_out_every_instance(own_stack):
    _eventually(lambda: _composed(own_stack))
    began = datetime.now(UTC)
    # Every instance was alive when the outage began: each has heartbeated since this test
    # started, so none is older than the newest heartbeat by more than a TTL. (Right after
    # the previous test's restart, one that had not heartbeated yet would count as dead
    # before the outage, and rightly get no bridge.)
    _eventually(lambda: _heartbeated_since(own_stack, began), timeout=INTERVAL + 10)
    own_stack.run(own_stack.supervisor.stop_service("registry"))
    time.sleep(TTL + 2)  # every instance's last heartbeat is now older than the TTL
    assert _composed(own_stack)

    own_stack.run(own_stack.supervisor.start_service("registry"))
    # Before every instance has heartbeated again (up to INTERVAL from now), the registry
    # already counts them all up, and no page fails: without the bridge over the registry's
    # own downtime, the snapshot would lack them and the product page would be a 503.
    snapshot = httpx.get(own_stack.url("registry") + "/api/v1/snapshot", timeout=5).json()
    assert all(fragment["instances"] for fragment in snapshot["fragments"]), [
        fragment["name"] for fragment in snapshot["fragments"] if not fragment["instances"]
    ]
    statuses = []
    deadline = time.monotonic() + INTERVAL + 2  # the shell polls every second
    while time.monotonic() < deadline:
        product = httpx.get(own_stack.url("shell") + "/product/SKU-1001", timeout=5)
        statuses.append(product.status_code)
        assert _composed(own_stack)
        time.sleep(0.1)
    assert set(statuses) == {200}, statuses
