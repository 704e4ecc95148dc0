"""API rates: visitors per address, members per account, one counter each."""

import random

import pytest
from rest_framework.test import APIClient

from forum.core.throttling import RequestRateThrottle, parse_rate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_rates_read_as_counts_per_period():
    assert parse_rate("120/min") == (120, 60)
    assert parse_rate("5/s") == (5, 1)
    assert parse_rate("100/hour") == (100, 3600)
    assert parse_rate("2/day") == (2, 86400)


def test_visitors_are_limited_per_address_and_members_per_account(monkeypatch):
    # Daily windows, so that no window boundary falls inside the test; a fresh address
    # and member, so that counters left by earlier runs in a real Redis do not count.
    monkeypatch.setattr(RequestRateThrottle, "THROTTLE_RATES", {"anon": "2/day", "user": "3/day"})
    address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(256)}"
    visitor = APIClient(REMOTE_ADDR=address)
    neighbour = APIClient(REMOTE_ADDR=address)
    member = APIClient(REMOTE_ADDR=address)
    member.force_authenticate(UserFactory(username=f"rated{random.randrange(10**9)}"))

    assert [visitor.get("/api/v1/categories/").status_code for _ in range(2)] == [200, 200]
    refused = neighbour.get("/api/v1/categories/")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 86401

    statuses = [member.get("/api/v1/categories/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
