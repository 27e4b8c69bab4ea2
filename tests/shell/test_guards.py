"""The guards in front of a fragment, through resolve against real loopback servers: the
circuit breaker (also forced by an operator through the snapshot), the bulkhead, outlier
ejection of a failing instance, and the retry budget."""

import asyncio

from shell.engine.breaker import FORCED_OPEN, OPEN, BreakerSettings
from shell.engine.cache import cache
from shell.engine.config import FragmentConfig
from shell.engine.context import request_context
from shell.engine.ejection import CONSECUTIVE_FAILURES, ejections
from shell.engine.plan import Placement
from shell.engine.resolve import resolve
from shell.engine.retry_budget import MIN_RETRIES, RetryBudget
from shell.snapshot.parse import fragment_config
from tests.httpserver import Reply, serve
from tests.shell.running import run

CONTEXT = request_context([], "/p", visitor_key=b"k" * 32)
OK = Reply(body=b"<p>ok</p>", headers={"Content-Type": "text/html"})
DOWN = Reply(503, b"down")


def resolving(config: FragmentConfig):
    return resolve(Placement(config.name, config, "/f", 0), {}, b"", CONTEXT)


def test_an_open_breaker_sends_the_fragment_to_its_fallback_without_asking_it():
    settings = BreakerSettings(min_calls=4, failure_rate=50)

    async def scenario():
        async with serve({"/f": DOWN}) as server:
            config = FragmentConfig(
                "b", instances=(server.url,), breaker=settings, fallback_html="<p>fb</p>"
            )
            failed = [await resolving(config) for _ in range(4)]
            refused = await resolving(config)
            return failed, refused, len(server.requests), config.circuit.state

    failed, refused, asked, state = run(scenario)
    assert [o.error for o in failed] == ["status 503"] * 4
    assert state == OPEN and asked == 4  # the fifth was never sent
    assert (refused.kind, refused.html, refused.via) == ("fallback", "<p>fb</p>", "breaker-open")


def test_an_open_breaker_serves_a_stale_copy_first(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(cache, "clock", lambda: now[0])
    settings = BreakerSettings(min_calls=3, failure_rate=50)  # the first success counts too

    async def scenario():
        fresh = Reply(body=b"<p>kept</p>", headers={
            "Content-Type": "text/html", "Cache-Control": "public, max-age=1, stale-if-error=60"
        })  # fmt: skip
        async with serve({"/f": fresh}) as server:
            config = FragmentConfig("s", instances=(server.url,), breaker=settings)
            await resolving(config)
            server.routes["/f"] = DOWN
            now[0] += 5
            failed = [await resolving(config) for _ in range(2)]
            refused = await resolving(config)
            return failed, refused, len(server.requests)

    failed, refused, asked = run(scenario)
    assert [o.via for o in failed] == ["stale-if-error"] * 2
    assert (refused.via, refused.html, refused.error) == (
        "stale-if-error",
        "<p>kept</p>",
        "circuit breaker open",
    )
    assert asked == 3


def test_an_operator_forces_a_breaker_open_through_the_snapshot_and_closes_it_again():
    async def scenario():
        async with serve({"/f": OK}) as server:
            entry = {"name": "forced", "instances": [{"base_url": server.url, "version": "1"}]}
            forced = fragment_config({**entry, "breaker": {"forced": "open"}})
            refused = await resolving(forced)
            state = forced.circuit.state
            automatic = fragment_config({**entry, "breaker": {"forced": ""}})
            allowed = await resolving(automatic)
            return refused, state, allowed, len(server.requests)

    refused, state, allowed, asked = run(scenario)
    assert state == FORCED_OPEN and refused.via == "breaker-open"
    assert (allowed.kind, asked) == ("ok", 1)


def test_a_full_bulkhead_falls_back_at_once():
    async def scenario():
        gate = asyncio.Event()
        async with serve({"/f": Reply(body=b"<p>slow</p>", gate=gate)}) as server:
            config = FragmentConfig(
                "bh", instances=(server.url,), max_in_flight=1, fallback_html="<p>fb</p>"
            )
            first = asyncio.create_task(resolving(config))
            for _ in range(2000):  # until it is being answered (an event, not a timing)
                if server.in_flight:
                    break
                await asyncio.sleep(0.001)
            refused = await resolving(config)
            gate.set()
            return await first, refused, config.circuit.report()

    first, refused, report = run(scenario)
    assert first.kind == "ok"
    assert (refused.kind, refused.via) == ("fallback", "bulkhead-full")
    assert report["failures"] == 0  # a refusal is not the fragment's failure


def test_an_instance_failing_in_a_row_is_ejected_and_the_other_serves():
    async def scenario():
        async with serve({"/f": DOWN}) as bad, serve({"/f": OK}) as good:
            config = FragmentConfig("ej", instances=(bad.url, good.url))
            outcomes = [await resolving(config) for _ in range(2 * CONSECUTIVE_FAILURES)]
            before = len(bad.requests)
            later = [await resolving(config) for _ in range(6)]
            return outcomes, before, len(bad.requests), later, bad.url

    outcomes, before, after, later, bad_url = run(scenario)
    # round robin: every other page got the failing instance, until it was ejected
    assert [o.kind for o in outcomes].count("placeholder") == CONSECUTIVE_FAILURES
    assert before == CONSECUTIVE_FAILURES and bad_url in ejections.until
    assert after == before and {o.kind for o in later} == {"ok"}


def test_retries_stay_within_their_share_of_requests():
    now = [0.0]
    budget = RetryBudget(lambda: now[0])
    spent = [budget.spend("f", requests=0) for _ in range(MIN_RETRIES + 1)]
    assert spent == [True] * MIN_RETRIES + [False]  # a few always
    assert [budget.spend("f", requests=100) for _ in range(20)].count(True) == 20 - MIN_RETRIES
    assert not budget.spend("f", requests=100)  # 20 % of 100
    now[0] += 11  # the window has passed
    assert budget.spend("f", requests=0)
