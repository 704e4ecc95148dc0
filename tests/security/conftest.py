"""Fixtures the security tests share."""

import pytest
from django.test import Client

from tests.factories import UserFactory


@pytest.fixture
def boss(db):
    """An administrator."""
    return UserFactory(username="boss", role="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def signed_in():
    """A web client signed in as the member given; server errors come back as answers."""

    def client_for(user) -> Client:
        client = Client(raise_request_exception=False)
        client.force_login(user)
        return client

    return client_for
