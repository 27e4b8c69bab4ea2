"""Fixtures the registry's tests share."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client


@pytest.fixture
def operator_client() -> Client:
    """A client logged in to the admin as a superuser."""
    user = get_user_model().objects.create_superuser("operator", "op@example.com", "pw-12345")
    client = Client()
    client.force_login(user)
    return client
