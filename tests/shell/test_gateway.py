"""The /bff/ and /_assets/ gateway, relaying to a scripted fragment over loopback."""

import asyncio

import pytest
from django.test import AsyncClient, override_settings

from shell import gateway
from shell.engine.config import FragmentConfig
from shell.engine.site import Site
from shell.snapshot import Snapshot, poller
from tests.httpserver import Reply, serve

pytestmark = pytest.mark.urls("shell.urls")


def with_fragment(server_url: str | None) -> None:
    with_instances((server_url,) if server_url else ())


def with_instances(instances) -> None:
    poller.current = Snapshot(Site.build([], {"cart": FragmentConfig("cart", instances=instances)}))


def run(scenario):
    async def wrapped():
        try:
            return await scenario()
        finally:
            await gateway.close()
            poller.current = Snapshot()

    return asyncio.run(wrapped())


def test_get_is_relayed_with_path_and_query_and_only_safe_headers():
    async def scenario():
        reply = Reply(
            body=b'{"items": 2}',
            headers={
                "Content-Type": "application/json",
                "Set-Cookie": "session=hijack",
                "Cache-Control": "no-store",
            },
        )
        async with serve({"/bff/cart/items": reply}) as server:
            with_fragment(server.url)
            client = AsyncClient(
                headers={"Cookie": "sessionid=secret", "Authorization": "Bearer t"}
            )
            response = await client.get(
                "/bff/cart/items?x=1", headers={"Accept-Language": "de", "X-Evil": "1"}
            )
            return response, server.requests

    response, requests = run(scenario)
    assert response.status_code == 200
    assert response.content == b'{"items": 2}'
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response and not response.cookies
    ((method, target, headers, _),) = requests
    assert (method, target) == ("GET", "/bff/cart/items?x=1")
    assert headers["accept-language"] == "de"
    assert not {"cookie", "authorization", "x-evil"} & set(headers)


def test_post_without_csrf_token_is_refused_before_reaching_the_fragment():
    async def scenario():
        async with serve({"/bff/cart/items": Reply(201, b"{}")}) as server:
            with_fragment(server.url)
            client = AsyncClient(enforce_csrf_checks=True)
            response = await client.post(
                "/bff/cart/items", {"sku": "1"}, content_type="application/json"
            )
            return response, server.requests

    response, requests = run(scenario)
    assert response.status_code == 403
    assert requests == []


def test_post_with_csrf_token_is_relayed_with_its_body():
    async def scenario():
        async with serve({"/bff/cart/items": Reply(201, b"{}")}) as server:
            with_fragment(server.url)
            client = AsyncClient(enforce_csrf_checks=True)
            token = "a" * 32
            client.cookies["csrftoken"] = token
            response = await client.post(
                "/bff/cart/items",
                {"sku": "1"},
                content_type="application/json",
                headers={"X-CSRFToken": token},
            )
            return response, server.requests

    response, requests = run(scenario)
    assert response.status_code == 201
    assert requests[0][0] == "POST" and requests[0][3] == b'{"sku": "1"}'


@pytest.mark.parametrize(
    ("instances", "status", "detail"),
    [
        (None, 404, "no fragment named 'nope' is registered"),
        ((), 503, "fragment 'cart' has no live instance"),
        (("http://127.0.0.1:9",), 502, "fragment 'cart' could not be reached: ConnectError"),
    ],
)
def test_unroutable_requests_get_a_clear_error(instances, status, detail):
    async def scenario():
        if instances is not None:
            with_instances(instances)
        name = "nope" if instances is None else "cart"
        return await AsyncClient().get(f"/bff/{name}/items")

    response = run(scenario)
    assert response.status_code == status
    assert response.json() == {"detail": detail}


@override_settings(GATEWAY_TIMEOUT=0.2)
def test_a_fragment_that_does_not_answer_in_time_is_a_504():
    async def scenario():
        async with serve({"/bff/cart/slow": Reply(body=b"late", delay=2)}) as server:
            with_fragment(server.url)
            return await AsyncClient().get("/bff/cart/slow")

    response = run(scenario)
    assert response.status_code == 504
    assert response.json() == {"detail": "fragment 'cart' did not answer in time"}


def test_assets_are_relayed_by_the_same_path():
    async def scenario():
        css = Reply(
            body=b".cart{}", headers={"Content-Type": "text/css", "Cache-Control": "max-age=1"}
        )
        async with serve({"/_assets/cart/cart.abc.css": css}) as server:
            with_fragment(server.url)
            return await AsyncClient().get("/_assets/cart/cart.abc.css")

    response = run(scenario)
    assert response.status_code == 200 and response.content == b".cart{}"
    assert response["Content-Type"] == "text/css"


def test_bff_requests_carry_a_signed_visitor_token_not_the_cookie():
    from tessera.visitor import verify_visitor

    async def scenario():
        async with serve({"/bff/cart/items": Reply(body=b"{}")}) as server:
            with_fragment(server.url)
            client = AsyncClient()
            client.cookies["tessera_visitor"] = "abcdefghijklmnop12"
            client.cookies["x"] = "1"
            await client.get("/bff/cart/items")
            await AsyncClient().get("/bff/cart/items")  # a visitor without the cookie
            return server.requests

    (_, _, with_cookie, _), (_, _, without, _) = run(scenario)
    token = with_cookie["x-tessera-visitor"]
    assert verify_visitor(token, b"unit-test-context-key", 0) == "abcdefghijklmnop12"
    assert "cookie" not in with_cookie
    assert "x-tessera-visitor" not in without


def test_an_asset_of_another_version_is_found_on_its_instance():
    async def scenario():
        old_css = {"/_assets/cart/cart.old1.css": Reply(body=b".old{}")}
        async with serve({}) as new, serve(old_css) as old:
            # The new version serves pages; the old one is draining but still live.
            poller.current = Snapshot(Site.build([], {"cart": FragmentConfig(
                "cart", instances=(new.url,), standby_instances=(old.url,)
            )}))  # fmt: skip
            asset = await AsyncClient().get("/_assets/cart/cart.old1.css")
            missing = await AsyncClient().get("/_assets/cart/cart.none.css")
            bff = await AsyncClient().get("/bff/cart/old1")
            return asset, missing, bff, new.requests, old.requests

    asset, missing, bff, new_requests, old_requests = run(scenario)
    assert asset.status_code == 200 and asset.content == b".old{}"
    assert missing.status_code == 404
    assert bff.status_code == 404  # BFF calls go to the serving version only
    assert [r[1] for r in new_requests] == [
        "/_assets/cart/cart.old1.css", "/_assets/cart/cart.none.css", "/bff/cart/old1"
    ]  # fmt: skip
    assert [r[1] for r in old_requests] == [
        "/_assets/cart/cart.old1.css",
        "/_assets/cart/cart.none.css",
    ]


def test_bff_calls_of_a_canary_visitor_go_to_the_canary():
    from shell.engine.balance import in_canary

    async def scenario():
        async with (
            serve({"/bff/cart/v": Reply(body=b"stable")}) as stable,
            serve({"/bff/cart/v": Reply(body=b"canary")}) as canary,
        ):
            poller.current = Snapshot(Site.build([], {"cart": FragmentConfig(
                "cart", instances=(stable.url,), canary_instances=(canary.url,),
                canary_percent=50,
            )}))  # fmt: skip
            answers = {}
            for visitor in ("abcdefghijklmnop", "qrstuvwxyzabcdef", "0123456789abcdef"):
                client = AsyncClient()
                client.cookies["tessera_visitor"] = visitor
                answers[visitor] = {(await client.get("/bff/cart/v")).content for _ in range(3)}
            return answers

    for visitor, bodies in run(scenario).items():
        expected = b"canary" if in_canary("cart", visitor, 50) else b"stable"
        assert bodies == {expected}
