"""The registry API: self-registration, heartbeats, listing and snapshots."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from registry.models import Fragment, Instance

pytestmark = [pytest.mark.django_db, pytest.mark.urls("registry.urls")]

TOKEN = {"HTTP_AUTHORIZATION": "Bearer unit-test-registry-token"}
HERO = {"fragment": "hero", "base_url": "http://127.0.0.1:8102", "version": "1.0.0"}


@pytest.fixture
def client() -> Client:
    return Client()


def register(client, payload=HERO, **headers):
    return client.post(
        "/api/v1/instances", payload, content_type="application/json", **(headers or TOKEN)
    )


def test_registering_creates_the_fragment_and_its_instance(client):
    response = register(client, {**HERO, "path_template": "/fragment/{sku}", "timeout_ms": 700})
    assert response.status_code == 201
    body = response.json()
    assert body["fragment"] == "hero" and body["base_url"] == "http://127.0.0.1:8102"
    assert body["version"] == "1.0.0"
    assert body["up"] is True
    fragment = Fragment.objects.get(name="hero")
    assert (fragment.path_template, fragment.timeout_ms) == ("/fragment/{sku}", 700)


def test_registering_again_updates_the_same_instance(client):
    first = register(client).json()
    second = register(client, {**HERO, "base_url": "http://127.0.0.1:8102/", "version": "1.1.0"})
    assert second.json()["id"] == first["id"]
    assert Instance.objects.get().version == "1.1.0"


def test_re_registration_does_not_overwrite_operator_settings(client):
    Fragment.objects.create(name="hero", path_template="/custom", timeout_ms=2000)
    register(client, {**HERO, "path_template": "/fragment", "timeout_ms": 100})
    fragment = Fragment.objects.get(name="hero")
    assert (fragment.path_template, fragment.timeout_ms) == ("/custom", 2000)


@pytest.mark.parametrize(
    "headers", [{}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": "Basic x"}]
)
def test_writes_without_the_token_are_refused_and_change_nothing(client, headers):
    response = client.post("/api/v1/instances", HERO, content_type="application/json", **headers)
    assert response.status_code == 401
    assert not Fragment.objects.exists()


def problems(response) -> dict[str, str]:
    """A refusal's reasons by field (the last part of each issue's `loc`)."""
    assert response.status_code == 422, response.content
    return {str(issue["loc"][-1]): issue["msg"] for issue in response.json()["detail"]}


def nothing_stored() -> bool:
    return not Fragment.objects.exists() and not Instance.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({**HERO, "base_url": "file:///etc/passwd"}, "base_url", "URL scheme must be http or"),
        ({**HERO, "base_url": "http://169.254.169.254/"}, "base_url", "metadata or link-local"),
        ({**HERO, "base_url": "http://10.1.2.3:80"}, "base_url", "not on the registry's allow"),
        ({**HERO, "base_url": "http://127.0.0.1:22"}, "base_url", "port 22 of '127.0.0.1' is no"),
        ({**HERO, "base_url": "http://127.0.0.1:8102\r\nX: y"}, "base_url", "a line break"),
        ({**HERO, "base_url": "http://127.0.0.1:8102\t"}, "base_url", "a tab"),
        ({**HERO, "base_url": " http://127.0.0.1:8102"}, "base_url", "a space (position 1)"),
        ({**HERO, "base_url": "http://127.0.0.1:8102/\u00e9"}, "base_url", "non-ASCII"),
        ({**HERO, "path_template": "no-slash"}, "path_template", "path template must start"),
        ({**HERO, "path_template": "/fragment\x00"}, "path_template", "a control character"),
        ({**HERO, "path_template": "/f\r\nHost: x"}, "path_template", "a line break"),
        ({**HERO, "path_template": "/f/{sku}#x"}, "path_template", "must not contain '#'"),
        ({**HERO, "owner": "team\nX-Evil: 1"}, "owner", "a line break"),
        ({**HERO, "description": "nul \x00 byte"}, "description", "a control character"),
    ],
)
def test_invalid_registrations_get_422_with_the_field_and_reason_and_store_nothing(
    client, payload, field, message
):
    assert message in problems(register(client, payload))[field]
    assert nothing_stored()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**HERO, "fragment": "Bad Name"}, "fragment"),
        ({**HERO, "version": "1.0\r\n"}, "version"),
        ({**HERO, "version": "../x"}, "version"),
        ({**HERO, "timeout_ms": 0}, "timeout_ms"),
        ({**HERO, "timeout_ms": "700"}, "timeout_ms"),
        ({**HERO, "timeout_ms": 700.0}, "timeout_ms"),
        ({**HERO, "primary": 1}, "primary"),
        ({**HERO, "is_async": "true"}, "is_async"),
        ({"base_url": "http://127.0.0.1:1"}, "fragment"),
        ({**HERO, "manual": "true"}, "manual"),
        ({**HERO, "weight": 1001}, "weight"),
        ({**HERO, "weight": -1}, "weight"),
    ],
)
def test_schema_violations_name_the_field(client, payload, field):
    assert field in problems(register(client, payload))
    assert nothing_stored()


def test_the_canonical_base_url_is_stored_so_spellings_are_one_instance(client):
    first = register(client, {**HERO, "base_url": "HTTP://LocalHost:8102/"})
    assert first.status_code == 201 and first.json()["base_url"] == "http://localhost:8102"
    second = register(client, {**HERO, "base_url": "http://localhost:8102"})
    assert second.json()["id"] == first.json()["id"]
    assert list(Instance.objects.values_list("base_url", flat=True)) == ["http://localhost:8102"]


def test_the_stacks_own_services_cannot_be_registered(client, settings):
    settings.REGISTRY_DENIED = ["127.0.0.1:8001", "127.0.0.1:8201"]
    refused = problems(register(client, {**HERO, "base_url": "http://localhost:8201/"}))
    assert refused == {
        "base_url": "localhost:8201 is refused by TESSERA_REGISTRY_DENIED entry "
        "'127.0.0.1:8201': an internal address (the registry, the shell or a backend stub)"
    }
    assert nothing_stored()
    assert register(client).status_code == 201  # a fragment's port is fine


@pytest.mark.parametrize("instance_id", ["0", "-1", str(2**63), "99999999999999999999999", "x"])
def test_instance_ids_out_of_range_are_refused_not_crashed_on(client, instance_id):
    assert client.post(f"/api/v1/instances/{instance_id}/heartbeat", **TOKEN).status_code == 422
    assert client.delete(f"/api/v1/instances/{instance_id}", **TOKEN).status_code == 422


def test_heartbeat_keeps_an_instance_up_and_404s_for_an_unknown_one(client):
    instance_id = register(client).json()["id"]
    Instance.objects.update(last_heartbeat=timezone.now() - timedelta(minutes=5))
    assert client.get("/api/v1/instances").json()[0]["up"] is False
    response = client.post(f"/api/v1/instances/{instance_id}/heartbeat", **TOKEN)
    assert response.status_code == 200 and response.json()["up"] is True
    assert client.post("/api/v1/instances/999/heartbeat", **TOKEN).status_code == 404
    assert client.post(f"/api/v1/instances/{instance_id}/heartbeat").status_code == 401


def test_deregistering_removes_the_instance(client):
    instance_id = register(client).json()["id"]
    assert client.delete(f"/api/v1/instances/{instance_id}").status_code == 401
    assert client.delete(f"/api/v1/instances/{instance_id}", **TOKEN).status_code == 204
    assert not Instance.objects.exists()
    assert client.delete(f"/api/v1/instances/{instance_id}", **TOKEN).status_code == 404


def test_snapshot_lists_only_enabled_fragments_and_live_instances(client):
    register(client)
    register(client, {**HERO, "base_url": "http://127.0.0.1:8103"})
    register(client, {"fragment": "header", "base_url": "http://127.0.0.1:8101"})
    Instance.objects.filter(base_url__endswith="8103").update(
        last_heartbeat=timezone.now() - timedelta(minutes=1)
    )
    Fragment.objects.filter(name="header").update(enabled=False)
    snapshot = client.get("/api/v1/snapshot").json()
    assert [f["name"] for f in snapshot["fragments"]] == ["hero"]
    assert snapshot["fragments"][0]["instances"] == [
        {"base_url": "http://127.0.0.1:8102", "version": "1.0.0", "weight": 100}
    ]


def test_an_instance_the_guard_refuses_now_is_not_handed_to_shells(client, settings):
    register(client)
    register(client, {**HERO, "base_url": "http://127.0.0.1:8103"})
    settings.REGISTRY_DENIED = ["127.0.0.1:8103"]  # e.g. a backend moved to that port
    snapshot = client.get("/api/v1/snapshot").json()
    assert [i["base_url"] for i in snapshot["fragments"][0]["instances"]] == [
        "http://127.0.0.1:8102"
    ]


def test_snapshot_etag_answers_304_until_something_changes(client):
    register(client)
    first = client.get("/api/v1/snapshot")
    etag = first["ETag"]
    unchanged = client.get("/api/v1/snapshot", HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged.content == b""
    register(client, {"fragment": "header", "base_url": "http://127.0.0.1:8101"})
    changed = client.get("/api/v1/snapshot", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_openapi_document_describes_the_api(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/v1/instances", "/api/v1/snapshot"} <= set(paths)


def test_admin_requires_login(client):
    response = client.get("/admin/registry/fragment/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_api_docs_load_their_assets_from_the_registry_itself(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert b"swagger-ui-bundle" in page.content
    assert b"cdn." not in page.content and b"//unpkg" not in page.content


def test_an_instance_registered_as_manual_gets_traffic_without_heartbeats(client):
    # Issue 16: an origin that sends no heartbeats used to expire 15 s after registering.
    body = register(client, {**HERO, "manual": True, "weight": 50}).json()
    assert (body["manual"], body["weight"], body["up"]) == (True, 50, True)
    Instance.objects.update(last_heartbeat=timezone.now() - timedelta(hours=1))
    (listed,) = client.get("/api/v1/instances").json()
    assert listed["up"] is True and listed["manual"] is True


def test_registering_again_keeps_what_an_operator_set_unless_it_is_said(client):
    register(client)
    Instance.objects.update(weight=10, manual=True)  # as an operator set them in the admin
    again = register(client, {**HERO, "version": "1.1.0"}).json()  # a restart re-registers
    assert (again["version"], again["weight"], again["manual"]) == ("1.1.0", 10, True)
    said = register(client, {**HERO, "manual": False, "weight": 100}).json()
    assert (said["weight"], said["manual"]) == (100, False)
