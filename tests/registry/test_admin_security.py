"""The admin's defences: login throttling, password rules, short sessions; the API's token and
the seed command unaffected."""

import importlib

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from registry.components import ADMIN_SECURITY
from registry.management.commands.seed import Command as Seed
from registry.models import Instance

pytestmark = [pytest.mark.django_db, pytest.mark.urls("registry.urls")]

PASSWORD = "a-long-operator-passphrase"
TOKEN = {"HTTP_AUTHORIZATION": "Bearer unit-test-registry-token"}


@pytest.fixture(autouse=True)
def admin_security(settings):
    """The registry's own admin settings (the unit tests' settings need not carry them)."""
    for name, value in ADMIN_SECURITY.items():
        setattr(settings, name, value)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed


@pytest.fixture
def operator():
    return get_user_model().objects.create_superuser("operator", "op@example.com", PASSWORD)


def login(client: Client, password: str, username: str = "operator"):
    return client.post(
        "/admin/login/", {"username": username, "password": password, "next": "/admin/"}
    )


def test_the_registry_runs_with_these_defences():
    registry = importlib.import_module("registry.settings")
    for name, value in ADMIN_SECURITY.items():
        assert getattr(registry, name) == value
    assert "axes" in registry.INSTALLED_APPS
    assert registry.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert registry.SESSION_COOKIE_AGE == 8 * 60 * 60


def test_the_sixth_attempt_is_refused_even_with_the_right_password(operator):
    client = Client()
    for _ in range(4):
        assert login(client, "wrong").status_code == 200
    fifth = login(client, "wrong")
    assert fifth.status_code == 429
    sixth = login(client, PASSWORD)
    assert sixth.status_code == 429
    page = sixth.content.decode()
    assert "Login locked: 5 failed attempts for this username from your address" in page
    assert "Try again in 15 minutes" in page
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still sent to the login page


def test_the_lock_holds_one_username_from_one_address_only(operator):
    get_user_model().objects.create_superuser("other", "o@example.com", PASSWORD)
    for _ in range(5):
        login(Client(), "wrong")
    assert login(Client(), PASSWORD).status_code == 429
    assert login(Client(), PASSWORD, username="other").status_code == 302
    assert login(Client(REMOTE_ADDR="10.0.0.2"), PASSWORD).status_code == 302


def test_a_successful_login_clears_the_failures(operator):
    for _ in range(4):
        login(Client(), "wrong")
    assert login(Client(), PASSWORD).status_code == 302
    for _ in range(4):
        assert login(Client(), "wrong").status_code == 200
    assert login(Client(), PASSWORD).status_code == 302


def test_the_api_token_works_while_the_admin_login_is_locked(operator):
    for _ in range(5):
        login(Client(), "wrong")
    response = Client().post(
        "/api/v1/instances",
        {"fragment": "hero", "base_url": "http://127.0.0.1:8102"},
        content_type="application/json",
        **TOKEN,
    )
    assert response.status_code == 201 and Instance.objects.count() == 1


def test_a_session_lasts_a_working_day(operator):
    response = login(Client(), PASSWORD)
    assert response.status_code == 302
    assert response.cookies["sessionid"]["max-age"] == 8 * 60 * 60


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("/admin/password_change/", {"old_password": PASSWORD}),
        ("/admin/auth/user/{pk}/password/", {"usable_password": "true"}),
    ],
)
def test_the_admins_password_change_refuses_a_weak_password(operator, url, fields):
    client = Client()
    client.force_login(operator)
    url = url.format(pk=operator.pk)
    for weak, reason in [
        ("password1234", "This password is too common."),
        ("Xq7!vb2", "This password is too short. It must contain at least 12 characters."),
        ("739284610573", "This password is entirely numeric."),
    ]:
        names = ("new_password1", "new_password2") if "old_password" in fields else (
            "password1", "password2"
        )  # fmt: skip
        response = client.post(url, {**fields, names[0]: weak, names[1]: weak})
        assert response.status_code == 200
        assert reason in response.content.decode()
        operator.refresh_from_db()
        assert operator.check_password(PASSWORD)
    strong = "tessellated-storefront-42"
    response = client.post(url, {**fields, names[0]: strong, names[1]: strong})
    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.check_password(strong)


def test_seed_refuses_a_weak_admin_password_and_creates_no_account(monkeypatch):
    monkeypatch.setenv("TESSERA_ADMIN_PASSWORD", "admin")
    with pytest.raises(CommandError, match=r"TESSERA_ADMIN_PASSWORD is refused: .*too common"):
        call_command(Seed())
    assert not get_user_model().objects.exists()


def test_seed_still_creates_the_admin_that_can_log_in(monkeypatch):
    monkeypatch.setenv("TESSERA_ADMIN_PASSWORD", PASSWORD)
    call_command(Seed())
    assert login(Client(), PASSWORD, username="admin").status_code == 302
