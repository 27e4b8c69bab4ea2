"""Traffic between a fragment's versions: pinning, canaries, and what shells are told."""

import pytest
from django.test import Client
from registry.models import Fragment, Instance
from registry.snapshot import build_snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.urls("registry.urls")]

TOKEN = {"HTTP_AUTHORIZATION": "Bearer unit-test-registry-token"}


@pytest.fixture
def reviews() -> Fragment:
    fragment = Fragment.objects.create(name="reviews", path_template="/fragment/{sku}")
    for port, version in ((8101, "v1"), (8102, "v1"), (8103, "v2")):
        Instance.objects.create(
            fragment=fragment, base_url=f"http://127.0.0.1:{port}", version=version
        )
    return fragment


def _put(client: Client, body: dict, **headers):
    return client.put(
        "/api/v1/fragments/reviews/traffic", body, content_type="application/json",
        **(headers or TOKEN),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("pinned", "canary", "percent", "routing", "shares"),
    [
        ("", "", 0, (["v1", "v2"], "", 0), {"v1": 50.0, "v2": 50.0}),
        ("v2", "", 0, (["v2"], "", 0), {"v1": 0.0, "v2": 100.0}),
        ("v1", "v2", 10, (["v1"], "v2", 10), {"v1": 90.0, "v2": 10.0}),
        ("v9", "", 0, (["v1", "v2"], "", 0), {"v1": 50.0, "v2": 50.0}),  # pinned but not live
        ("", "v2", 25, (["v1"], "v2", 25), {"v1": 75.0, "v2": 25.0}),
    ],
)
def test_routing_between_live_versions(reviews, pinned, canary, percent, routing, shares):
    reviews.pinned_version, reviews.canary_version = pinned, canary
    reviews.canary_percent = percent
    assert reviews.routing(["v1", "v1", "v2"]) == routing
    assert reviews.traffic(["v1", "v1", "v2"]) == shares


def test_a_canary_alone_serves_everyone(reviews):
    reviews.pinned_version, reviews.canary_version, reviews.canary_percent = "v1", "v2", 10
    assert reviews.routing(["v2"]) == (["v2"], "", 0)


def test_shells_get_the_routing_with_the_instances(reviews):
    reviews.pinned_version, reviews.canary_version, reviews.canary_percent = "v1", "v2", 30
    reviews.save()
    (entry,) = build_snapshot()["fragments"]
    assert entry["routing"] == {"stable": ["v1"], "canary": "v2", "canary_percent": 30}
    assert {i["version"] for i in entry["instances"]} == {"v1", "v2"}


def test_traffic_is_set_with_the_token_and_read_openly(client, reviews):
    response = _put(client, {"pinned_version": "v1", "canary_version": "v2", "canary_percent": 50})
    assert response.status_code == 200
    assert response.json()["shares"] == {"v1": 50.0, "v2": 50.0}
    read = client.get("/api/v1/fragments/reviews/traffic").json()
    assert (read["pinned_version"], read["canary_version"], read["canary_percent"]) == (
        "v1", "v2", 50
    )  # fmt: skip


def _unchanged(reviews: Fragment) -> bool:
    reviews.refresh_from_db()
    return (reviews.pinned_version, reviews.canary_version, reviews.canary_percent) == (
        "v1", "v2", 10
    )  # fmt: skip


@pytest.fixture
def routed(reviews: Fragment) -> Fragment:
    reviews.pinned_version, reviews.canary_version, reviews.canary_percent = "v1", "v2", 10
    reviews.save()
    return reviews


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"canary_version": "v1", "pinned_version": "v1"}, "canary_version", "another version"),
        ({"canary_percent": 10}, "canary_percent", "set a canary version"),
        ({"canary_version": "v2", "canary_percent": 101}, "canary_percent", "less than or equal"),
        ({"canary_version": "v2", "canary_percent": True}, "canary_percent", "valid integer"),
        ({"canary_version": "v2", "canary_percent": "5"}, "canary_percent", "valid integer"),
        ({"canary_version": "v2", "canary_percent": 5.0}, "canary_percent", "valid integer"),
        ({"pinned_version": "v1\r\nX-Evil: 1"}, "pinned_version", "should match pattern"),
        ({"canary_version": "v\u00e9"}, "canary_version", "should match pattern"),
        ({"pinned_version": "v1", "canary_precent": 50}, "canary_precent", "Extra inputs"),
    ],
)
def test_bad_traffic_settings_are_refused_with_the_field_and_change_nothing(
    client, routed, body, field, message
):
    response = _put(client, body)
    assert response.status_code == 422
    reasons = {issue["loc"][-1]: issue["msg"] for issue in response.json()["detail"]}
    assert message in reasons[field]
    assert _unchanged(routed)


@pytest.mark.parametrize("body", ["1", "null", "[]", '"v1"', "true"])
def test_a_body_that_is_not_a_json_object_is_refused_and_changes_nothing(client, routed, body):
    response = client.put(
        "/api/v1/fragments/reviews/traffic", body, content_type="application/json", **TOKEN
    )
    assert response.status_code == 422
    (issue,) = response.json()["detail"]
    assert issue["loc"] == ["body", "payload"]
    assert issue["msg"] == "Value error, the request body must be a JSON object"
    assert _unchanged(routed)


def test_a_fragment_name_that_cannot_exist_is_refused(client, routed):
    for path in ["/api/v1/fragments/a%00b/traffic", "/api/v1/fragments/A%0D%0A/traffic"]:
        assert client.get(path).status_code == 422
        assert client.put(path, {}, content_type="application/json", **TOKEN).status_code == 422
    assert _unchanged(routed)


def test_traffic_needs_the_token_and_an_existing_fragment(client, reviews):
    assert _put(client, {"pinned_version": "v2"}, HTTP_AUTHORIZATION="Bearer x").status_code == 401
    missing = client.put(
        "/api/v1/fragments/nope/traffic", {}, content_type="application/json", **TOKEN
    )
    assert missing.status_code == 404
    reviews.refresh_from_db()
    assert reviews.pinned_version == ""
