"""Attacks found by probing a running instance, each replayed as it was made and now
refused: a made-up X-Forwarded-For resetting the throttles."""

import random

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from rest_framework.test import APIClient

from forum.core.throttling import RequestRateThrottle
from forum.web.forms import LOGIN_FAILURE_LIMIT
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The throttles count in the cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def _address() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def _retry_after(response) -> int:
    return int(response["Retry-After"])


# --- 1. the client address comes from the configuration, not from the client -------------


def test_a_made_up_forwarded_for_does_not_reset_the_anonymous_api_throttle(monkeypatch):
    # Daily windows, so that no window boundary falls inside the test.
    monkeypatch.setattr(RequestRateThrottle, "THROTTLE_RATES", {"anon": "5/day"})
    attacker = APIClient(REMOTE_ADDR=_address())
    assert [attacker.get("/api/v1/categories/").status_code for _ in range(5)] == [200] * 5

    spoofed = [
        attacker.get("/api/v1/categories/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        for n in range(10)
    ]

    assert [response.status_code for response in spoofed] == [429] * 10
    assert all(_retry_after(response) > 0 for response in spoofed)


def test_behind_a_trusted_proxy_clients_are_counted_apart_and_still_cannot_pick_one(
    monkeypatch,
):
    monkeypatch.setattr(RequestRateThrottle, "THROTTLE_RATES", {"anon": "3/day"})
    proxy = _address()
    attacker, neighbour = _address(), _address()

    def via_proxy(forwarded: str) -> int:
        client = APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded)
        return client.get("/api/v1/categories/").status_code

    with override_settings(TRUSTED_PROXY_COUNT=1):
        own = [via_proxy(f"made-up-{n}, {attacker}") for n in range(5)]
        other = via_proxy(neighbour)

    assert own == [200, 200, 200, 429, 429]
    assert other == 200


def test_a_made_up_forwarded_for_does_not_lift_the_log_in_lockout():
    UserFactory(username="target")
    attacker = Client(REMOTE_ADDR=_address())
    for _ in range(LOGIN_FAILURE_LIMIT):
        attacker.post("/accounts/login/", {"username": "target", "password": "guess"})

    spoofed = attacker.post(
        "/accounts/login/",
        {"username": "target", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )

    assert spoofed.status_code == 429
