"""The shell's copy of the registry snapshot."""

import asyncio
import json

import httpx

from shell.snapshot import SnapshotPoller

SNAPSHOT = {
    "fragments": [
        {
            "name": "hero",
            "path_template": "/fragment",
            "timeout_ms": 800,
            "primary": False,
            "required": False,
            "fallback_html": "<p>later</p>",
            "instances": [{"base_url": "http://127.0.0.1:8102", "version": "1"}],
        }
    ]
}


class FakeRegistry:
    """Answers like the registry: 304 for a matching ETag, or fails when told to."""

    def __init__(self) -> None:
        self.body = SNAPSHOT
        self.down = False
        self.seen_etags: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("registry down", request=request)
        etag = f'"{hash(json.dumps(self.body, sort_keys=True))}"'
        self.seen_etags.append(request.headers.get("If-None-Match"))
        if request.headers.get("If-None-Match") == etag:
            return httpx.Response(304, headers={"ETag": etag})
        return httpx.Response(200, json=self.body, headers={"ETag": etag})


def test_refresh_loads_fragments_then_asks_conditionally():
    registry = FakeRegistry()
    poller = SnapshotPoller("http://registry", transport=httpx.MockTransport(registry))

    async def scenario():
        changed = [await poller.refresh(), await poller.refresh()]
        await poller.stop()
        return changed

    assert asyncio.run(scenario()) == [True, False]
    hero = poller.current.fragments["hero"]
    assert hero.instances == ("http://127.0.0.1:8102",)
    assert (hero.timeout_ms, hero.fallback_html) == (800, "<p>later</p>")
    assert registry.seen_etags[0] is None and registry.seen_etags[1] == poller.current.etag


def test_registry_outage_keeps_the_last_good_snapshot_while_polling_goes_on():
    registry = FakeRegistry()
    poller = SnapshotPoller(
        "http://registry", interval=0.01, transport=httpx.MockTransport(registry)
    )

    async def scenario():
        await poller.refresh()
        registry.down = True
        await poller.start()
        await asyncio.sleep(0.1)  # several failed polls
        still_serving = dict(poller.current.fragments)
        registry.down = False
        registry.body = {"fragments": []}
        for _ in range(100):
            if not poller.current.fragments:
                break
            await asyncio.sleep(0.01)
        await poller.stop()
        return still_serving

    still_serving = asyncio.run(scenario())
    assert list(still_serving) == ["hero"]
    assert dict(poller.current.fragments) == {}
