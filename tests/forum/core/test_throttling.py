"""API rates: visitors per address, members per account, one counter each."""

import random
import time

import pytest
from django.core.cache import cache
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
    rated = UserFactory(username=f"rated{random.randrange(10**9)}")
    member.force_authenticate(rated)
    # Members are counted by id, and a test database made afresh gives out the same ids
    # again: forget today's counter an earlier run left for this one.
    cache.delete(f"throttle:user:{rated.pk}:{int(time.time() // 86400)}")

    assert [visitor.get("/api/v1/categories/").status_code for _ in range(2)] == [200, 200]
    refused = neighbour.get("/api/v1/categories/")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 86401

    statuses = [member.get("/api/v1/categories/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_a_visitor_changing_address_within_its_ipv6_64_is_still_counted_once(monkeypatch):
    monkeypatch.setattr(RequestRateThrottle, "THROTTLE_RATES", {"anon": "2/day", "user": "3/day"})
    # A fresh /64, so that counters left by earlier runs in a real Redis do not count.
    site, subnet = random.randrange(65536), random.randrange(65535)
    network = f"2001:db8:{site:x}:{subnet:x}"

    statuses = [
        APIClient(REMOTE_ADDR=f"{network}::{n + 1:x}").get("/api/v1/categories/").status_code
        for n in range(3)
    ]
    elsewhere = APIClient(REMOTE_ADDR=f"2001:db8:{site:x}:{subnet + 1:x}::1")

    assert statuses == [200, 200, 429]
    assert elsewhere.get("/api/v1/categories/").status_code == 200


@pytest.mark.integration
def test_a_window_counter_in_redis_is_one_round_trip_and_expires_with_its_window():
    from forum.core import throttling

    key = f"throttle:test:{random.randrange(10**12)}"
    sent = []
    client = cache._cache.get_client(write=True)
    real_pipeline = client.pipeline

    def counting_pipeline(*args, **kwargs):
        pipe = real_pipeline(*args, **kwargs)
        real_execute = pipe.execute
        pipe.execute = lambda *a, **k: sent.append(len(pipe.command_stack)) or real_execute(*a, **k)
        return pipe

    client.pipeline = counting_pipeline
    try:
        counts = [throttling._count(object(), key, 60) for _ in range(3)]
    finally:
        del client.pipeline

    assert counts == [1, 2, 3]
    assert sent == [2, 2, 2]  # INCR and EXPIRE NX, sent together each time
    assert 0 < client.ttl(cache.make_and_validate_key(key)) <= 61
