"""The shell tells each fragment how long it waits for it: `x-tessera-deadline-ms`.

No clock is involved on this side: every fetch of a page starts with its fragment's whole
timeout ahead of it, so the budget is that timeout less the network margin.
"""

import asyncio

from shell.engine import close_connections
from shell.engine.context import DEADLINE_LINES, NETWORK_MARGIN_MS, budget_ms
from tests.httpserver import Reply, serve
from tests.shell.test_page import ROUTES, Recorder, app_for, compose, never_disconnect, request


def budgets(server) -> dict[str, str]:
    """The deadline header of each request the fragment server got, by path."""
    return {
        target.split("?")[0]: headers.get("x-tessera-deadline-ms")
        for _, target, headers, _ in server.requests
    }


def test_every_fragment_is_told_its_own_timeout_less_the_network_margin():
    # Timeouts no busy machine reaches: every request must go out for this test to see it.
    _, server, _ = compose(product={"timeout_ms": 8000}, buybox={"timeout_ms": 2500})
    assert 20 <= NETWORK_MARGIN_MS <= 50  # enough for the tail, little of any budget
    assert budgets(server) == {
        "/header": str(1000 - NETWORK_MARGIN_MS),  # the default timeout
        "/product/SKU-1": str(8000 - NETWORK_MARGIN_MS),
        "/buybox/SKU-1": str(2500 - NETWORK_MARGIN_MS),
        "/recs/SKU-1": str(1000 - NETWORK_MARGIN_MS),  # async fragments too
    }


def test_a_browser_cannot_set_a_fragments_deadline():
    headers = [(b"x-tessera-deadline-ms", b"1")]
    _, server, _ = compose(scope_changes={"headers": headers})
    assert set(budgets(server).values()) == {str(1000 - NETWORK_MARGIN_MS)}


def test_a_fragment_with_forwarded_headers_gets_both_them_and_its_deadline():
    cookie = (b"cookie", b"session=secret")
    _, server, _ = compose(
        scope_changes={"headers": [cookie]},
        # A timeout no busy machine reaches: the request must go out for this test to see it.
        buybox={"forward_headers": ("cookie",), "timeout_ms": 5000},
    )
    by_path = {target: headers for _, target, headers, _ in server.requests}
    assert by_path["/buybox/SKU-1"]["cookie"] == "session=secret"
    assert by_path["/buybox/SKU-1"]["x-tessera-deadline-ms"] == str(5000 - NETWORK_MARGIN_MS)


def test_the_fallback_url_is_told_the_fresh_deadline_it_gets():
    routes = {
        **ROUTES,
        "/product/SKU-1": Reply(500, b""),
        "/fallback": Reply(body=b"<p>product later</p>"),
    }

    async def scenario():
        async with serve(routes) as server:
            app = app_for(
                server.url,
                product={"timeout_ms": 600, "fallback_url": server.url + "/fallback"},
            )
            recorder = Recorder(server)
            await app(request("/product/SKU-1"), never_disconnect, recorder)
            await close_connections()
            return recorder, server

    recorder, server = asyncio.run(scenario())
    assert "<p>product later</p>" in recorder.body
    assert budgets(server)["/fallback"] == str(600 - NETWORK_MARGIN_MS)


def test_a_timeout_within_the_margin_is_a_budget_of_nothing_not_a_negative_one():
    assert budget_ms(NETWORK_MARGIN_MS) == budget_ms(1) == 0
    assert DEADLINE_LINES[800] == f"x-tessera-deadline-ms: {800 - NETWORK_MARGIN_MS}\r\n".encode()
