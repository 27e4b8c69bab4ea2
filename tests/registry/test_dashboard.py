"""The fragment health dashboard: the shells' traffic in their reports (accepted or refused as
a whole), its merge across shells, each fragment's verdict, and the staff-only page and JSON.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from registry import models
from registry.dashboard import merge, verdict
from registry.models import Fragment, Instance, ShellReport

pytestmark = [pytest.mark.django_db, pytest.mark.urls("registry.urls")]

TOKEN = {"HTTP_AUTHORIZATION": "Bearer unit-test-registry-token"}
PAGE, DATA = "/admin/dashboard/", "/admin/dashboard/data"


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch, settings):
    """Liveness by heartbeat alone (no restart bridge), with a TTL of 15 s."""
    settings.REGISTRY_HEARTBEAT_TTL = 15
    monkeypatch.setattr(models, "_restart", None)


def _fragment(name: str, *instances: tuple[int, str, int], **fields) -> Fragment:
    """A fragment with instances, each (port, version, seconds since its heartbeat)."""
    fragment = Fragment.objects.create(name=name, **fields)
    for port, version, age in instances:
        Instance.objects.create(
            fragment=fragment,
            base_url=f"http://127.0.0.1:{port}",
            version=version,
            last_heartbeat=timezone.now() - timedelta(seconds=age),
        )
    return fragment


def _breaker(state: str = "closed") -> dict:
    return {"state": state, "calls": 10, "failures": 0, "slow": 0, "rejected": 0}


def _post(body) -> object:
    data = body if isinstance(body, str) else json.dumps(body)
    return Client().post("/api/v1/shells/report", data, content_type="application/json", **TOKEN)


def _tiles(client: Client) -> dict[str, dict]:
    response = client.get(DATA)
    assert response.status_code == 200, response.content
    return {tile["name"]: tile for tile in response.json()["fragments"]}


# The report's traffic ------------------------------------------------------------------------

POINTS = [[1764520000.0, 42, 1, 3.5, 41.0], [1764520002.0, 0, 0, None, None]]


def test_a_report_with_traffic_is_stored_with_its_interval():
    body = {
        "shell": "a:1",
        "fragments": {"reviews": _breaker()},
        "traffic": {"reviews": POINTS, "hero": []},
        "interval_s": 5,
    }
    assert _post(body).status_code == 204
    stored = ShellReport.objects.get()
    assert stored.traffic == {"reviews": POINTS, "hero": []}
    assert stored.interval_s == 5.0
    assert stored.fragments == {"reviews": _breaker()}


def test_a_report_without_traffic_from_an_older_shell_is_still_taken():
    assert _post({"shell": "a:1", "fragments": {"reviews": _breaker()}}).status_code == 204
    stored = ShellReport.objects.get()
    assert (stored.traffic, stored.interval_s) == ({}, 2.0)


def test_a_later_report_replaces_the_traffic_too():
    _post({"shell": "a:1", "fragments": {}, "traffic": {"reviews": POINTS}})
    _post({"shell": "a:1", "fragments": {}})
    assert ShellReport.objects.get().traffic == {}


def test_thirty_points_of_the_largest_values_are_taken():
    points = [[1e11 - 30 + i, 10**9, 10**9, 600_000.0, 600_000] for i in range(30)]
    body = {"shell": "a:1", "fragments": {}, "traffic": {"reviews": points}, "interval_s": 60}
    assert _post(body).status_code == 204
    assert ShellReport.objects.get().traffic["reviews"][-1] == [1e11 - 1, 10**9, 10**9, 6e5, 6e5]


def _point(**changes) -> list:
    values = {"t": 1764520000.0, "requests": 42, "errors": 1, "p50": 3.5, "p99": 41.0}
    values.update(changes)
    return list(values.values())


@pytest.mark.parametrize(
    ("traffic", "message"),
    [
        ({"reviews": [_point(requests=-1, errors=0)]}, "greater than or equal to 0"),
        ({"reviews": [_point(errors=-1)]}, "greater than or equal to 0"),
        ({"reviews": [_point(requests=10**9 + 1)]}, "less than or equal to 1000000000"),
        ({"reviews": [_point(errors=43)]}, "errors (43) exceed requests (42)"),
        ({"reviews": [_point(requests=1.5)]}, "valid integer"),
        ({"reviews": [_point(requests=True)]}, "valid integer"),
        ({"reviews": [_point(requests="42")]}, "valid integer"),
        ({"reviews": [_point(t=-1.0)]}, "greater than or equal to 0"),
        ({"reviews": [_point(t="now")]}, "valid number"),
        ({"reviews": [_point(p50=-0.5)]}, "greater than or equal to 0"),
        ({"reviews": [_point(p99=600_000.5)]}, "less than or equal to 600000"),
        ({"reviews": [_point(p50=float("nan"))]}, "finite number"),
        ({"reviews": [_point(p99=float("inf"))]}, "finite number"),
        ({"reviews": [_point(t=float("-inf"))]}, "finite number"),
        ({"reviews": [_point(requests=0, errors=0)]}, "without requests has null latencies"),
        ({"reviews": [_point(p99=None)]}, "both latencies or neither"),
        ({"reviews": [_point()[:4]]}, "5 values, not 4"),
        ({"reviews": [[*_point(), 7]]}, "5 values, not 6"),
        ({"reviews": [[]]}, "5 values, not 0"),
        ({"reviews": [{"t": 1.0}]}, "valid tuple"),
        ({"reviews": [[1.0 + i, 1, 0, 1.0, 1.0] for i in range(31)]}, "at most 30 items"),
        ({"reviews": [_point(t=2.0), _point(t=1.0)]}, "oldest first: t 1.0 follows 2.0"),
        ({"reviews": [_point(t=2.0), _point(t=2.0)]}, "oldest first"),
        ({"reviews": _point()}, "valid tuple"),
        ({"Reviews": [_point()]}, "should match pattern"),
        ({f"f{i}": [] for i in range(501)}, "at most 500 items"),
        ([["reviews", [_point()]]], "valid dictionary"),
    ],
)
def test_bad_traffic_is_refused_with_a_reason_and_nothing_is_stored(traffic, message):
    response = _post({"shell": "a:1", "fragments": {}, "traffic": traffic})
    assert response.status_code == 422, response.content
    issues = response.json()["detail"]
    assert all(issue["loc"][:3] == ["body", "payload", "traffic"] for issue in issues), issues
    assert any(message in issue["msg"] for issue in issues), issues
    assert not ShellReport.objects.exists()


def test_an_interval_served_from_the_shells_cache_alone_has_no_latencies():
    point = [1764520000.0, 12, 0, None, None]  # 12 placements, all cache hits: no fetch
    assert (
        _post({"shell": "a:1", "fragments": {}, "traffic": {"reviews": [point]}}).status_code == 204
    )
    assert ShellReport.objects.get().traffic["reviews"] == [point]


@pytest.mark.parametrize("interval", [0.4, 60.5, 0, "2", None, True])
def test_an_interval_out_of_bounds_is_refused(interval):
    response = _post({"shell": "a:1", "fragments": {}, "interval_s": interval})
    assert response.status_code == 422, response.content
    assert [issue["loc"][-1] for issue in response.json()["detail"]] == ["interval_s"]
    assert not ShellReport.objects.exists()


def test_a_nan_literal_in_the_json_is_refused_not_stored():
    body = '{"shell": "a:1", "fragments": {}, "traffic": {"reviews": [[1.0, 1, 0, NaN, 2.0]]}}'
    response = _post(body)
    assert response.status_code == 422
    assert "finite number" in response.json()["detail"][0]["msg"]
    assert not ShellReport.objects.exists()


# Merging and the verdict ---------------------------------------------------------------------


def test_points_of_two_shells_meet_in_their_interval_and_add_up():
    shell_a = [[998.0, 10, 0, 5.0, 20.0], [1000.0, 20, 1, 4.0, 30.0]]
    shell_b = [[1000.4, 30, 2, 8.0, 90.0]]  # reported 0.4 s later: the same interval
    traffic = merge([shell_a, shell_b], interval_s=2.0, since=990.0)
    assert [(t, s.requests, s.errors) for t, s in traffic.points] == [(998, 10, 0), (1000, 50, 3)]
    merged = traffic.points[1][1]
    assert merged.p50_ms == pytest.approx((4.0 * 20 + 8.0 * 30) / 50)  # weighted by requests
    assert merged.p99_ms == 90.0  # the worst
    assert (traffic.last.requests, traffic.last.errors, traffic.shells) == (50, 3, 2)
    assert traffic.window_requests == 60


def test_intervals_without_requests_weigh_nothing_and_old_points_leave_the_window():
    traffic = merge([[[900.0, 5, 5, 1.0, 1.0], [1000.0, 0, 0, None, None]]], 2.0, since=950.0)
    assert [(t, s.requests, s.p50_ms) for t, s in traffic.points] == [(1000.0, 0, None)]
    assert (traffic.last.requests, traffic.last.p50_ms, traffic.last.p99_ms) == (0, None, None)


HEALTHY = {"live": 2, "total": 2, "breaker": "closed", "requests": 100, "errors": 0}


@pytest.mark.parametrize(
    ("changes", "expected", "reasons"),
    [
        ({}, "ok", []),
        ({"errors": 1}, "ok", []),  # 1 %: not above it
        ({"errors": 2}, "degraded", ["2.0 % errors"]),
        ({"errors": 24}, "degraded", ["24.0 % errors"]),
        ({"errors": 25}, "down", ["25 % errors"]),
        ({"breaker": "half_open"}, "degraded", ["breaker half open"]),
        ({"breaker": "open"}, "down", ["breaker open"]),
        ({"breaker": "forced_open"}, "down", ["breaker forced open"]),
        ({"breaker": "disabled"}, "ok", []),
        ({"breaker": None}, "ok", []),
        ({"live": 1}, "degraded", ["1 of 2 instances not live"]),
        ({"live": 0}, "down", ["no live instance"]),
        ({"live": 0, "total": 0}, "down", ["no live instance"]),
        ({"live": 0, "breaker": "open", "errors": 100}, "down",
         ["no live instance", "breaker open", "100 % errors"]),
        ({"requests": 0, "errors": 0, "traffic": False}, "idle", ["no traffic"]),
        ({"requests": 0, "errors": 0}, "ok", []),  # quiet this interval, not this minute
        ({"traffic": False, "live": 1}, "degraded", ["1 of 2 instances not live"]),
        ({"traffic": False, "live": 0}, "down", ["no live instance"]),
        ({"enabled": False, "live": 0}, "idle", ["disabled"]),
    ],
)  # fmt: skip
def test_the_verdict(changes, expected, reasons):
    assert verdict(**{**HEALTHY, "traffic": True, **changes}) == (expected, reasons)


# The page and its data ----------------------------------------------------------------------


@pytest.mark.parametrize("url", [PAGE, DATA])
def test_anonymous_visitors_are_sent_to_the_login(url):
    _fragment("reviews")
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={url}"


@pytest.mark.parametrize("url", [PAGE, DATA])
def test_users_who_are_not_staff_are_refused(url):
    _fragment("reviews")
    user = get_user_model().objects.create_user("shopper", "s@example.com", "pw-12345")
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert b"reviews" not in response.content


def test_the_page_has_a_tile_for_every_registered_fragment(operator_client):
    _fragment("hero", (8101, "1.4.0", 1))
    _fragment("reviews")  # registered by hand, nothing running
    ShellReport.record("a:1", {}, traffic={"hero": [[1000.0, 8, 0, 2.0, 9.0]]})
    response = operator_client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<article class="tile" data-fragment="hero" data-verdict="ok"' in page
    assert 'data-requests="8"' in page
    assert '<article class="tile" data-fragment="reviews" data-verdict="down"' in page
    assert "no live instance" in page
    assert 'data-url="/admin/dashboard/data"' in page
    assert "registry/dashboard.js" in page and "registry/dashboard.css" in page
    assert "Tessera fragment registry" in page  # the admin's header
    assert "<script>" not in page.split('id="content-main"')[1]  # the script is a file


def test_the_admin_index_links_to_the_dashboard(operator_client):
    assert f'href="{PAGE}"' in operator_client.get("/admin/").content.decode()


def test_the_data_merges_the_fresh_reports_of_every_shell(operator_client):
    _fragment("reviews", (8101, "2.0.0", 1), (8102, "2.0.0", 2), (8103, "2.1.0", 3))
    ShellReport.record(
        "a:1",
        {"reviews": _breaker("closed")},
        traffic={"reviews": [[998.0, 10, 0, 5.0, 20.0], [1000.0, 20, 1, 4.0, 30.0]]},
    )
    ShellReport.record(
        "b:2", {"reviews": _breaker("closed")}, traffic={"reviews": [[1000.4, 30, 2, 8.0, 90.0]]}
    )
    tile = _tiles(operator_client)["reviews"]
    assert tile["points"] == [[998.0, 10, 0, 5.0, 20.0], [1000.0, 50, 3, 6.4, 90.0]]
    assert tile["requests_per_s"] == 25.0  # 50 requests in the last 2 s interval
    assert tile["error_percent"] == 6.0
    assert (tile["p50_ms"], tile["p99_ms"]) == (pytest.approx(6.4), 90.0)
    assert tile["window_requests"] == 60
    assert (tile["live"], tile["total"], tile["versions"]) == (3, 3, [["2.0.0", 2], ["2.1.0", 1]])
    assert (tile["verdict"], tile["reasons"]) == ("degraded", ["6.0 % errors"])
    assert tile["text"]["rate"] == "25" and tile["text"]["errors"] == "6.0 %"
    assert tile["text"]["versions"] == "2.0.0 (2), 2.1.0 (1)"


def test_the_worst_breaker_of_the_shells_and_a_forced_one_count(operator_client):
    _fragment("reviews", (8101, "1.0.0", 1))
    _fragment("hero", (8102, "1.0.0", 1), breaker_forced="open")
    _fragment("cart", (8103, "1.0.0", 1))
    ShellReport.record("a:1", {"reviews": _breaker("closed"), "cart": _breaker("half_open")})
    ShellReport.record("b:2", {"reviews": _breaker("open"), "hero": _breaker("closed")})
    tiles = _tiles(operator_client)
    assert (tiles["reviews"]["breaker"], tiles["reviews"]["verdict"]) == ("open", "down")
    assert tiles["reviews"]["text"]["breaker"] == "open on 1/2 shells"
    assert (tiles["hero"]["breaker"], tiles["hero"]["verdict"]) == ("forced_open", "down")
    assert (tiles["cart"]["breaker"], tiles["cart"]["verdict"]) == ("half_open", "degraded")


def test_an_instance_past_its_ttl_is_not_live(operator_client):
    _fragment("reviews", (8101, "1.0.0", 1), (8102, "0.9.0", 16))
    tile = _tiles(operator_client)["reviews"]
    assert (tile["live"], tile["total"], tile["versions"]) == (1, 2, [["1.0.0", 1]])
    assert tile["verdict"] == "degraded"
    _fragment("hero", (8103, "1.0.0", 16))
    assert _tiles(operator_client)["hero"]["verdict"] == "down"


def test_reports_older_than_30_s_are_left_out(operator_client):
    _fragment("reviews", (8101, "1.0.0", 1))
    old = timezone.now() - timedelta(seconds=31)
    ShellReport.record(
        "gone:1", {"reviews": _breaker("open")}, now=old,
        traffic={"reviews": [[1000.0, 100, 100, 5.0, 9.0]]},
    )  # fmt: skip
    data = operator_client.get(DATA).json()
    (tile,) = data["fragments"]
    assert data["shells"] == 0
    assert (tile["breaker"], tile["points"], tile["requests_per_s"]) == (None, [], None)
    assert (tile["verdict"], tile["reasons"]) == ("idle", ["no traffic"])
    ShellReport.record("a:1", {"reviews": _breaker("open")}, now=old + timedelta(seconds=2))
    assert _tiles(operator_client)["reviews"]["verdict"] == "down"  # 29 s old: still counts


def test_fragments_only_the_shells_know_get_no_tile_and_counts_add_up(operator_client):
    _fragment("reviews", (8101, "1.0.0", 1))
    _fragment("hero")
    _fragment("promo", enabled=False)
    ShellReport.record("a:1", {}, traffic={"deleted": [[1000.0, 5, 0, 1.0, 1.0]]})
    data = operator_client.get(DATA).json()
    assert [t["name"] for t in data["fragments"]] == ["hero", "promo", "reviews"]
    assert data["counts"] == {"down": 1, "degraded": 0, "ok": 0, "idle": 2}
    assert data["axis"] == {"start": 940.0, "end": 1000.0}  # 30 intervals up to the newest


def test_the_data_is_never_cached(operator_client):
    response = operator_client.get(DATA)
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
