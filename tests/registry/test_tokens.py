"""Named API tokens: issued in the admin and shown once, each write with one in the history
under its name, refused from the moment it is revoked; the environment's token as before."""

import pytest
from django.test import Client
from registry.models import ApiToken, Change, Fragment, token_digest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("registry.urls")]

BODY = {"fragment": "hero", "base_url": "http://127.0.0.1:8102"}


def register(secret: str):
    return Client().post(
        "/api/v1/instances",
        BODY,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


def issue(operator_client, name: str) -> str:
    """Issue a token in the admin; the secret, as the page after shows it."""
    page = operator_client.post("/admin/registry/apitoken/add/", {"name": name})
    assert page.status_code == 200, page.content.decode()[:500]
    html = page.content.decode()
    return html.split('<code id="issued-token">')[1].split("</code>")[0]


def test_an_issued_token_is_shown_once_and_only_its_digest_is_kept(operator_client):
    secret = issue(operator_client, "deploy-ci")
    assert len(secret) >= 40
    token = ApiToken.objects.get(name="deploy-ci")
    assert token.digest == token_digest(secret) and secret not in token.digest
    listed = operator_client.get(f"/admin/registry/apitoken/{token.pk}/change/")
    assert secret not in listed.content.decode()  # never shown again
    history = Change.objects.get(target_type="apitoken")
    assert "digest" not in history.details  # not even its digest in the history


def test_writes_with_a_named_token_are_recorded_under_its_name(operator_client):
    secret = issue(operator_client, "deploy-ci")
    assert register(secret).status_code == 201
    actors = set(Change.objects.filter(target_type="instance").values_list("actor", flat=True))
    assert actors == {"token:deploy-ci"}


def test_a_revoked_token_is_refused_at_once_and_others_still_work(operator_client):
    revoked, kept = issue(operator_client, "old-tool"), issue(operator_client, "new-tool")
    token = ApiToken.objects.get(name="old-tool")
    operator_client.post(
        "/admin/registry/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert ApiToken.objects.get(name="old-tool").revoked_at is not None
    assert operator_client.get("/admin/registry/apitoken/?revoked_at__isempty=0").status_code == 200
    assert register(revoked).status_code == 401
    assert not Fragment.objects.exists()  # nothing written with it
    assert register(kept).status_code == 201


def test_the_environments_token_still_works_and_no_token_may_take_its_name(operator_client):
    assert register("unit-test-registry-token").status_code == 201
    assert Change.objects.filter(actor="registry-token").exists()
    refused = operator_client.post("/admin/registry/apitoken/add/", {"name": "registry-token"})
    assert "is the environment&#x27;s token" in refused.content.decode()
    assert not ApiToken.objects.exists()
    assert register("not-a-token").status_code == 401
    assert register("").status_code == 401
