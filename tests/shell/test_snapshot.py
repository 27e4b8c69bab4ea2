"""The shell's copy of the registry snapshot: polling, outages and the disk copy."""

import asyncio
import json

import httpx

from shell.snapshot import SnapshotPoller
from tests.virtualtime import run

SNAPSHOT = {
    "fragments": [
        {
            "name": "hero",
            "path_template": "/fragment",
            "timeout_ms": 800,
            "primary": False,
            "required": False,
            "async": True,
            "fallback_html": "<p>later</p>",
            "forward_headers": ["cookie"],
            "instances": [{"base_url": "http://127.0.0.1:8102", "version": "1", "weight": 100}],
        }
    ],
    "pages": [
        {
            "name": "home",
            "route": "/",
            "layout": "home.html",
            "title": "Home",
            "slots": {"hero": ["hero"]},
        },
        {"name": "odd", "route": "/odd", "layout": "missing.html", "title": "?", "slots": {}},
    ],
}


class FakeRegistry:
    """Answers like the registry: 304 for a matching ETag, or fails when told to."""

    def __init__(self) -> None:
        self.body = SNAPSHOT
        self.down = False
        self.failed_polls = 0
        self.seen_etags: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            self.failed_polls += 1
            raise httpx.ConnectError("registry down", request=request)
        etag = f'"{hash(json.dumps(self.body, sort_keys=True))}"'
        self.seen_etags.append(request.headers.get("If-None-Match"))
        if request.headers.get("If-None-Match") == etag:
            return httpx.Response(304, headers={"ETag": etag})
        return httpx.Response(200, json=self.body, headers={"ETag": etag})


def poller_for(registry, **kwargs) -> SnapshotPoller:
    return SnapshotPoller("http://registry", transport=httpx.MockTransport(registry), **kwargs)


def test_refresh_builds_pages_and_fragments_then_asks_conditionally():
    registry = FakeRegistry()
    poller = poller_for(registry)

    async def scenario():
        changed = [await poller.refresh(), await poller.refresh()]
        await poller.stop()
        return changed

    assert asyncio.run(scenario()) == [True, False]
    hero = poller.current.fragments["hero"]
    assert hero.instances == ("http://127.0.0.1:8102",)
    assert (hero.timeout_ms, hero.is_async, hero.forward_headers) == (800, True, ("cookie",))
    page, params = poller.site().router.match("/")
    assert (page.name, page.slots, params) == ("home", {"hero": ("hero",)}, {})
    assert poller.site().router.match("/odd") is None  # its layout is unknown to this shell
    assert registry.seen_etags == [None, poller.current.etag]


def test_registry_outage_keeps_the_last_good_snapshot_while_polling_goes_on():
    # On a virtual clock (tests/virtualtime.py; the registry is an httpx.MockTransport, no
    # socket): the shell's own interval, polls at 0, 5, 10 s..., each at its exact moment.
    registry = FakeRegistry()
    poller = poller_for(registry, interval=5)

    async def scenario():
        await poller.refresh()
        registry.down = True
        await poller.start()  # polls at 0, 5 and 10 fail
        await asyncio.sleep(12)
        during = (registry.failed_polls, list(poller.current.fragments))
        registry.down = False
        registry.body = {"fragments": [], "pages": []}
        await asyncio.sleep(2.5)  # 14.5: no poll since the registry came back
        before_next_poll = list(poller.current.fragments)
        await asyncio.sleep(1)  # 15.5: the poll at 15 found the new snapshot
        after = (registry.failed_polls, list(poller.current.fragments))
        await poller.stop()
        return during, before_next_poll, after

    during, before_next_poll, after = run(scenario())
    assert during == (3, ["hero"])  # polling went on through the outage, the last good kept
    assert before_next_poll == ["hero"]
    assert after == (3, [])  # back on the next tick, not before, and no failure since


def test_a_shell_started_while_the_registry_is_down_serves_the_disk_copy(tmp_path):
    path = tmp_path / "shell" / "registry-snapshot.json"
    first = poller_for(FakeRegistry(), disk_path=path)
    asyncio.run(first.refresh())
    assert path.exists()

    registry = FakeRegistry()
    registry.down = True
    restarted = poller_for(registry, disk_path=path)
    assert list(restarted.current.fragments) == ["hero"]
    assert restarted.site().router.match("/") is not None
    assert restarted.current.etag == first.current.etag


def test_a_corrupt_disk_copy_is_ignored(tmp_path):
    path = tmp_path / "snapshot.json"
    path.write_text("{not json")
    assert dict(poller_for(FakeRegistry(), disk_path=path).current.fragments) == {}


def test_an_entry_this_shell_cannot_use_costs_only_itself():
    from shell.snapshot import Snapshot

    hero = SNAPSHOT["fragments"][0]
    data = {
        "fragments": [
            hero,
            {**hero, "name": "evil", "cookies": ["tessera_visitor"]},  # refused by the shell
            {**hero, "name": "slow", "timeout_ms": 10**9},
            "not an entry",
        ],
        "pages": [
            *SNAPSHOT["pages"],
            {"name": "odd2", "route": "/x/{n:float}", "layout": "home.html", "title": "?",
             "slots": {}},  # a parameter kind this shell does not know
        ],
    }  # fmt: skip
    snapshot = Snapshot.from_json(data, '"e1"')
    assert set(snapshot.fragments) == {"hero"}
    assert snapshot.site.router.match("/") is not None
    assert snapshot.site.router.match("/x/1.5") is None


def test_a_failed_refresh_is_logged_with_its_reason_and_url(caplog):
    def silent(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("", request=request)  # httpx's timeouts say nothing

    poller = SnapshotPoller("http://registry", transport=httpx.MockTransport(silent), interval=0)

    async def scenario():
        await poller.start()
        for _ in range(100):  # until the first poll failed (an event, not a timing)
            if caplog.records:
                break
            await asyncio.sleep(0)
        await poller.stop()

    with caplog.at_level("WARNING", logger="tessera.snapshot"):
        asyncio.run(scenario())
    failure = caplog.records[0]
    assert failure.getMessage() == "registry snapshot refresh failed"
    assert (failure.error, failure.url) == ("ReadTimeout", "http://registry/api/v1/snapshot")
    assert failure.duration_ms >= 0


def test_a_fragment_with_no_live_instance_keeps_the_version_that_served_last():
    from shell.snapshot.parse import Snapshot

    routed = {**SNAPSHOT["fragments"][0], "routing": {"stable": ["1"], "canary": ""}}
    gone = {**routed, "instances": [], "routing": {"stable": [], "canary": ""}}
    before = Snapshot.from_json({"fragments": [routed]}, '"a"')
    after = Snapshot.from_json({"fragments": [gone]}, '"b"', before)
    fresh = Snapshot.from_json({"fragments": [gone]}, '"b"')  # e.g. a shell just started
    assert before.fragments["hero"].stable_version == "1"
    assert after.fragments["hero"].stable_version == "1"  # its cached copies are version 1's
    assert after.fragments["hero"].instances == ()
    assert fresh.fragments["hero"].stable_version == ""


def test_a_pages_placement_parameters_reach_its_plan_url_quoted():
    from shell.snapshot.parse import page

    entry = {
        "name": "home", "route": "/", "layout": "home.html", "title": "Home",
        "slots": {"hero": ["hero"]}, "params": {"hero": {"hero": {"variant": "a b/c"}}},
    }  # fmt: skip
    assert page(entry).fixed == {("hero", "hero"): {"variant": "a%20b%2Fc"}}
    assert page({**entry, "params": {}}).fixed == {}
    del entry["params"]  # a registry from before placement parameters
    assert page(entry).fixed == {}
