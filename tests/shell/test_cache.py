"""The fragment cache on the resolve path, against a real loopback fragment server, on the
cache's fake clock: fresh hits, per-visitor and Vary keys, stale-while-revalidate,
stale-if-error, ETag revalidation, coalesced misses, and bounded bytes."""

import asyncio

import pytest

from shell.engine.cache import Entry, FragmentCache, cache
from shell.engine.cache_control import Storage
from shell.engine.config import FragmentConfig
from shell.engine.context import request_context
from shell.engine.plan import Placement
from shell.engine.resolve import resolve
from tessera.runtime.visitor import visitor_cookie_value
from tests.httpserver import Reply, serve
from tests.shell.running import run as run_plain

KEY = b"k" * 32
HTML = "text/html; charset=utf-8"


def reply(body: str, cache_control: str | None = None, status: int = 200, **headers) -> Reply:
    found = {"Content-Type": HTML, **{k.replace("_", "-"): v for k, v in headers.items()}}
    if cache_control:
        found["Cache-Control"] = cache_control
    return Reply(status, body.encode(), found)


def visitor(name: str = "v1", language: str = "en"):
    """The request context of a visitor whose cookie names them `name`."""
    cookie = f"tessera_visitor={visitor_cookie_value(name.ljust(16, '_'), KEY)}".encode()
    headers = [(b"cookie", cookie), (b"accept-language", language.encode())]
    return request_context(headers, "/p", visitor_key=KEY)


class Fragment:
    """A fragment server with one route, `/f`, and a way to resolve it as pages do."""

    def __init__(self, server, **config) -> None:
        self.server = server
        config.setdefault("name", "f")
        self.config = FragmentConfig(instances=(server.url,), **config)

    def set(self, answer: Reply) -> None:
        self.server.routes["/f"] = answer

    @property
    def asked(self) -> int:
        return len(self.server.requests)

    async def resolve(self, context=None, config=None):
        config = config or self.config
        placement = Placement(config.name, config, "/f", 0)
        return await resolve(placement, {}, b"", context or visitor())


async def settle() -> None:
    """Wait for the cache's background refreshes to end."""
    await asyncio.gather(*list(cache._fetches.values()), return_exceptions=True)


def run(first: Reply, scenario, **config):
    """Run `scenario` against a fragment server whose `/f` answers `first`."""

    async def against_server():
        async with serve({"/f": first}) as server:
            return await scenario(Fragment(server, **config))

    return run_plain(against_server)


def test_a_public_fresh_response_is_served_from_the_cache_until_it_expires(clock):
    async def scenario(f):
        first = await f.resolve()
        f.set(reply("<p>two</p>", "public, max-age=60"))
        hit = await f.resolve(visitor("someone-else"))
        clock.now += 61
        again = await f.resolve()
        return first, hit, again, f.asked

    first, hit, again, asked = run(reply("<p>one</p>", "public, max-age=60"), scenario)
    assert (first.via, first.html) == ("miss", "<p>one</p>")
    assert (hit.kind, hit.via, hit.html) == ("ok", "hit", "<p>one</p>")
    assert (again.via, again.html, asked) == ("miss", "<p>two</p>", 2)


def test_a_response_not_marked_public_is_kept_for_its_visitor_only(clock):
    async def scenario(f):
        mine = [await f.resolve(visitor("me")) for _ in range(2)]
        theirs = await f.resolve(visitor("them"))
        return mine, theirs, f.asked

    mine, theirs, asked = run(reply("<p>cart</p>", "private, max-age=60"), scenario)
    assert [o.via for o in mine] == ["miss", "hit"]
    assert (theirs.via, asked) == ("miss", 2)


def test_vary_keeps_one_copy_per_value_of_the_named_header(clock):
    async def scenario(f):
        english = await f.resolve(visitor(language="en"))
        f.set(reply("<p>안녕</p>", "public, max-age=60", vary="Accept-Language"))
        korean = await f.resolve(visitor(language="ko"))
        again = [await f.resolve(visitor(language=lang)) for lang in ("en", "ko")]
        return english, korean, again, f.asked

    first = reply("<p>hello</p>", "public, max-age=60", vary="Accept-Language")
    english, korean, again, asked = run(first, scenario)
    assert (english.html, korean.html, korean.via) == ("<p>hello</p>", "<p>안녕</p>", "miss")
    assert [(o.via, o.html) for o in again] == [("hit", "<p>hello</p>"), ("hit", "<p>안녕</p>")]
    assert asked == 2


@pytest.mark.parametrize(
    "answer",
    [
        reply("<p>x</p>", "no-store, public, max-age=60"),
        reply("<p>x</p>", "public, max-age=60", set_cookie="a=1"),
        reply("<p>x</p>", "public, max-age=60", vary="X-Request-Id"),
        reply("<p>x</p>", "public, max-age=60", status=500),
    ],
    ids=["no-store", "set-cookie", "vary-request-id", "error"],
)
def test_what_may_not_be_kept_is_fetched_every_time(clock, answer):
    async def scenario(f):
        outcomes = [await f.resolve() for _ in range(2)]
        return outcomes, f.asked

    outcomes, asked = run(answer, scenario, fallback_html="<p>fb</p>")
    assert asked == 2 and "hit" not in [o.via for o in outcomes]
    assert len(cache) == 0


def test_stale_while_revalidate_serves_at_once_and_refreshes_in_the_background(clock):
    async def scenario(f):
        await f.resolve()
        clock.now += 5
        gate = asyncio.Event()
        f.set(
            Reply(
                200,
                b"<p>new</p>",
                {"Content-Type": HTML, "Cache-Control": "public, max-age=2"},
                gate=gate,
            )
        )
        stale = await f.resolve()  # does not wait for the gated refresh
        also_stale = await f.resolve()  # one refresh at a time
        gate.set()
        await settle()
        fresh = await f.resolve()
        return stale, also_stale, fresh, f.asked

    first = reply("<p>old</p>", "public, max-age=2, stale-while-revalidate=30")
    stale, also_stale, fresh, asked = run(first, scenario)
    assert (stale.via, stale.html, also_stale.via) == ("stale", "<p>old</p>", "stale")
    assert (fresh.via, fresh.html, asked) == ("hit", "<p>new</p>", 2)


def test_a_failed_background_refresh_keeps_the_good_copy(clock):
    async def scenario(f):
        await f.resolve()
        clock.now += 5
        f.set(reply("oops", status=503))
        stale = await f.resolve()
        await settle()
        later = await f.resolve()
        await settle()
        return stale, later, f.asked

    first = reply("<p>good</p>", "public, max-age=2, stale-while-revalidate=30")
    stale, later, asked = run(first, scenario)
    assert (stale.via, stale.html) == ("stale", "<p>good</p>")
    assert (later.via, later.html, asked) == ("stale", "<p>good</p>", 3)


def test_stale_if_error_stands_in_for_a_failed_fetch_before_any_fallback(clock):
    async def scenario(f):
        await f.resolve()
        f.set(reply("down", status=503))
        clock.now += 60
        stood_in = await f.resolve()
        clock.now += 600
        too_old = await f.resolve()
        return stood_in, too_old

    first = reply("<p>good</p>", "public, max-age=30, stale-if-error=300")
    stood_in, too_old = run(first, scenario, fallback_html="<p>fallback</p>")
    assert (stood_in.kind, stood_in.via, stood_in.html) == ("ok", "stale-if-error", "<p>good</p>")
    assert stood_in.error == "status 503"
    assert (too_old.kind, too_old.html) == ("fallback", "<p>fallback</p>")


def test_must_revalidate_forbids_serving_stale_even_with_a_registry_default(clock):
    async def scenario(f):
        await f.resolve()
        f.set(reply("down", status=503))
        clock.now += 60
        return await f.resolve()

    first = reply("<p>good</p>", "public, max-age=30, must-revalidate")
    outcome = run(first, scenario, fallback_html="<p>fallback</p>", stale_if_error=600)
    assert outcome.kind == "fallback"


def test_the_registry_settings_fill_in_for_a_fragment_that_says_nothing(clock):
    async def scenario(f):
        outcomes = [await f.resolve(visitor("me")), await f.resolve(visitor("me"))]
        f.set(reply("down", status=503))
        clock.now += 100
        outcomes.append(await f.resolve(visitor("me")))
        return outcomes

    outcomes = run(reply("<p>plain</p>"), scenario, cache_max_age=30, stale_if_error=600)
    assert [o.via for o in outcomes] == ["miss", "hit", "stale-if-error"]


def test_an_etag_is_revalidated_and_a_304_renews_the_copy(clock):
    async def scenario(f):
        await f.resolve()
        f.set(Reply(304, b"", {"ETag": '"v1"', "Cache-Control": "public, max-age=60"}))
        clock.now += 11
        renewed = await f.resolve()
        hit = await f.resolve()
        return renewed, hit, f.server.requests

    first = reply("<p>v1</p>", "public, max-age=10", etag='"v1"')
    renewed, hit, requests = run(first, scenario)
    assert (renewed.via, renewed.html) == ("revalidated", "<p>v1</p>")
    assert requests[1][2]["if-none-match"] == '"v1"'
    assert (hit.via, len(requests)) == ("hit", 2)  # the 304's max-age renewed it


def test_concurrent_misses_make_one_fetch_that_a_leaving_visitor_does_not_cancel(clock):
    async def scenario(f):
        await f.resolve()  # learns the path is shared
        clock.now += 61
        gate = asyncio.Event()
        f.set(
            Reply(
                200,
                b"<p>new</p>",
                {"Content-Type": HTML, "Cache-Control": "public, max-age=60"},
                gate=gate,
            )
        )
        pages = [asyncio.create_task(f.resolve(visitor(f"v{i}"))) for i in range(5)]
        for _ in range(20):
            await asyncio.sleep(0)
        pages[0].cancel()  # the first visitor, whose miss started the fetch, leaves
        gate.set()
        outcomes = await asyncio.gather(*pages[1:])
        return outcomes, f.asked

    outcomes, asked = run(reply("<p>old</p>", "public, max-age=60"), scenario)
    assert asked == 2  # the first page, then one fetch for five
    assert [o.via for o in outcomes] == ["coalesced"] * 4
    assert {o.html for o in outcomes} == {"<p>new</p>"}


def test_private_misses_are_not_shared_between_visitors(clock):
    async def scenario(f):
        await f.resolve(visitor("a"))
        await f.resolve(visitor("b"))
        clock.now += 61
        outcomes = await asyncio.gather(f.resolve(visitor("a")), f.resolve(visitor("b")))
        return outcomes, f.asked

    outcomes, asked = run(reply("<p>mine</p>", "private, max-age=60"), scenario)
    assert asked == 4 and [o.via for o in outcomes] == ["miss", "miss"]


def test_a_primary_hit_keeps_its_page_title(clock):
    async def scenario(f):
        return [await f.resolve() for _ in range(2)]

    first = reply("<p>p</p>", "public, max-age=60", x_page_title="Kettle")
    outcomes = run(first, scenario, primary=True)
    assert [(o.via, o.title) for o in outcomes] == [("miss", "Kettle"), ("hit", "Kettle")]


def entry(size: int) -> Entry:
    return Entry("x", (), "", "", None, Storage(60, 0, 0, True, ()), 0.0, size)


def test_the_cache_is_bounded_by_bytes_least_recently_used_first():
    small = FragmentCache(max_bytes=1000, max_entry_bytes=600)
    same = lambda name: ""  # noqa: E731
    for path in ("/a", "/b", "/c"):
        small.store("f", path, "", "", same, entry(300))
    small.get(small.key("f", "/a", "", "", same))  # /a used: /b is now the oldest
    small.store("f", "/d", "", "", same, entry(300))
    kept = {
        path for path in ("/a", "/b", "/c", "/d") if small.get(small.key("f", path, "", "", same))
    }
    assert kept == {"/a", "/c", "/d"} and small.bytes <= 1000
    small.store("f", "/big", "", "", same, entry(700))
    assert small.get(small.key("f", "/big", "", "", same)) is None


def test_with_no_bytes_the_cache_is_off():
    off = FragmentCache(max_bytes=0, max_entry_bytes=600)
    off.store("f", "/a", "", "", lambda name: "", entry(10))
    assert (len(off), off.shapes) == (0, {})


def test_each_side_of_a_canary_gets_its_own_versions_copy(clock):
    visitors = [visitor(f"v{i}") for i in range(40)]

    async def scenario():
        stable_reply = reply("<p>stable</p>", "public, max-age=60")
        canary_reply = reply("<p>canary</p>", "public, max-age=60")
        async with serve({"/f": stable_reply}) as stable, serve({"/f": canary_reply}) as canary:
            config = FragmentConfig(
                "f", instances=(stable.url,), canary_instances=(canary.url,), canary_percent=50
            )
            placement = Placement("f", config, "/f", 0)
            seen = {}
            for context in visitors * 2:  # every visitor twice: the second time from the cache
                outcome = await resolve(placement, {}, b"", context)
                seen.setdefault(context.visitor, set()).add(outcome.html)
            return seen, len(stable.requests) + len(canary.requests)

    seen, asked = run_plain(scenario)
    assert all(len(htmls) == 1 for htmls in seen.values())  # each visitor: one version
    assert {h for htmls in seen.values() for h in htmls} == {"<p>stable</p>", "<p>canary</p>"}
    assert asked == 2  # one fetch per side, then hits


def test_after_a_deploy_no_page_gets_the_old_versions_copy(clock):
    async def scenario():
        async with serve({"/f": reply("<p>v1</p>", "public, max-age=60")}) as server:
            old = FragmentConfig("f", instances=(server.url,), stable_version="v1")
            first = await resolve(Placement("f", old, "/f", 0), {}, b"", visitor())
            server.routes["/f"] = reply("<p>v2</p>", "public, max-age=60")
            new = FragmentConfig("f", instances=(server.url,), stable_version="v2")
            deployed = await resolve(Placement("f", new, "/f", 0), {}, b"", visitor())
            back = await resolve(Placement("f", old, "/f", 0), {}, b"", visitor())  # rollback
            return first.html, deployed.html, (back.html, back.via)

    first, deployed, back = run_plain(scenario)
    assert (first, deployed) == ("<p>v1</p>", "<p>v2</p>")
    assert back == ("<p>v1</p>", "hit")  # v1's own copy, still fresh


def test_pages_that_waited_on_an_answer_not_for_sharing_fall_back_to_the_stale_copy(clock):
    async def scenario(f):
        await f.resolve(visitor("a"))  # a shared copy, then it goes stale
        clock.now += 120
        gate = asyncio.Event()
        f.set(
            Reply(
                200,
                b"<p>degraded</p>",
                {"Content-Type": HTML, "Cache-Control": "no-store"},
                gate=gate,
            )
        )
        pages = [asyncio.create_task(f.resolve(visitor(f"v{i}"))) for i in range(3)]
        for _ in range(20):
            await asyncio.sleep(0)
        f.set(reply("down", status=503))  # the waiters' own fetches fail
        gate.set()
        outcomes = await asyncio.gather(*pages)
        return [(o.via, o.html) for o in outcomes]

    first = reply("<p>good</p>", "public, max-age=60, stale-if-error=600")
    outcomes = run(first, scenario)
    assert outcomes[0] == ("", "<p>degraded</p>")  # the leader: its own (degraded) answer
    assert outcomes[1:] == [("stale-if-error", "<p>good</p>")] * 2


def test_a_no_store_answer_leaves_the_earlier_copy_to_stand_in_later(clock):
    async def scenario(f):
        await f.resolve()
        clock.now += 120
        f.set(reply("<p>degraded</p>", "no-store"))
        degraded = await f.resolve()
        f.set(reply("down", status=503))
        stood_in = await f.resolve()
        return degraded, stood_in

    first = reply("<p>good</p>", "public, max-age=60, stale-if-error=600")
    degraded, stood_in = run(first, scenario)
    assert degraded.html == "<p>degraded</p>"
    assert (stood_in.via, stood_in.html) == ("stale-if-error", "<p>good</p>")


def test_pages_waiting_on_one_failing_fetch_each_count_in_the_breaker(clock):
    async def scenario(f):
        await f.resolve()
        clock.now += 120
        gate = asyncio.Event()
        f.set(Reply(503, b"down", {"Content-Type": HTML}, gate=gate))
        pages = [asyncio.create_task(f.resolve(visitor(f"v{i}"))) for i in range(5)]
        for _ in range(20):
            await asyncio.sleep(0)
        gate.set()
        await asyncio.gather(*pages)
        return f.config.circuit.report(), f.asked

    report, asked = run(reply("<p>good</p>", "public, max-age=60"), scenario)
    assert asked == 2  # one fetch for the five pages
    assert (report["calls"], report["failures"]) == (6, 5)  # the first page's success, then 5


def test_an_answer_that_may_not_be_kept_replaces_the_copy_for_pages_at_once(clock):
    async def scenario(f):
        await f.resolve()
        clock.now += 70  # stale, within stale-while-revalidate
        f.set(reply("<p>degraded</p>", "no-store"))
        stale = await f.resolve()  # served at once; the refresh brings the degraded answer
        await settle()
        after = [await f.resolve() for _ in range(2)]
        return stale, after

    first = reply("<p>good</p>", "public, max-age=60, stale-while-revalidate=300")
    stale, after = run(first, scenario)
    assert (stale.via, stale.html) == ("stale", "<p>good</p>")
    assert [(o.via, o.html) for o in after] == [("", "<p>degraded</p>")] * 2
