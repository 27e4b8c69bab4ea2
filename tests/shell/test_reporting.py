"""The shell's report to the registry: what it posts, and that a failure says why."""

import asyncio
import json
import logging

import httpx

from shell.engine.breaker import BreakerSettings
from shell.engine.config import FragmentConfig
from shell.reporting import ShellReporter


def test_a_report_posts_every_breakers_state_with_the_token():
    FragmentConfig("reviews", breaker=BreakerSettings(forced="open"))
    FragmentConfig("header")
    seen = []

    def registry(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    async def scenario():
        reporter = ShellReporter(
            "http://registry/",
            "s3cret",
            traffic=lambda: {"reviews": [[1000.0, 5, 1, 2.0, 9.5]]},
            transport=httpx.MockTransport(registry),
        )
        await reporter.report()
        await reporter.stop()
        return reporter.shell

    shell = asyncio.run(scenario())
    request = seen[0]
    assert str(request.url) == "http://registry/api/v1/shells/report"
    assert request.headers["authorization"] == "Bearer s3cret"
    body = json.loads(request.content)
    assert body["shell"] == shell
    assert body["fragments"]["reviews"]["state"] == "forced_open"
    assert body["traffic"] == {"reviews": [[1000.0, 5, 1, 2.0, 9.5]]}
    assert body["interval_s"] == 2.0
    assert body["fragments"]["header"] == {
        "state": "closed", "calls": 0, "failures": 0, "slow": 0, "rejected": 0
    }  # fmt: skip


def test_a_failed_report_is_logged_with_its_reason_and_the_next_one_tried(caplog):
    calls = []

    def registry(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ConnectError("connection refused")
        return httpx.Response(204)

    async def scenario():
        reporter = ShellReporter(
            "http://registry", "t", interval=0, transport=httpx.MockTransport(registry)
        )
        await reporter.start()
        for _ in range(100):  # until the second report went out (an event, not a timing)
            if len(calls) >= 2:
                break
            await asyncio.sleep(0)
        await reporter.stop()

    with caplog.at_level(logging.WARNING, logger="tessera.report"):
        asyncio.run(scenario())
    assert len(calls) >= 2
    failure = caplog.records[0]
    assert failure.error == "ConnectError: connection refused"
    assert failure.url == "http://registry/api/v1/shells/report"
    assert failure.duration_ms >= 0
