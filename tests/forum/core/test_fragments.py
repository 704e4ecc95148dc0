"""Shared parts of pages: built once, found again in this process or through the shared
cache by another, rebuilt once expired, and kept to this process when the cache is away."""

import pytest

from forum.core import fragments


@pytest.fixture(autouse=True)
def _empty_local_store():
    fragments.local_fragments.clear()
    yield
    fragments.local_fragments.clear()


def _counting(value):
    calls = []

    def build():
        calls.append(1)
        return value

    return build, calls


def test_a_value_is_built_once_and_then_found_in_memory_or_in_the_shared_cache():
    build, calls = _counting({"html": "<p>posts</p>"})

    first = fragments.remembered("thread:1:v1", build)
    again = fragments.remembered("thread:1:v1", build)
    fragments.local_fragments.clear()  # as another process finds it: through the cache
    elsewhere = fragments.remembered("thread:1:v1", build)

    assert first == again == elsewhere == {"html": "<p>posts</p>"}
    assert len(calls) == 1


def test_another_name_is_another_value():
    build, calls = _counting("one")
    fragments.remembered("thread:1:v1", build)
    fragments.remembered("thread:1:v2", build)
    assert len(calls) == 2


def test_an_expired_value_is_built_again(monkeypatch):
    now = [1_000.0]
    monkeypatch.setattr(fragments.time, "time", lambda: now[0])
    build, calls = _counting("posts")
    fragments.remembered("thread:1:v1", build)

    now[0] += fragments.PAGE_CACHE_SECONDS + 1
    fragments.remembered("thread:1:v1", build)

    assert len(calls) == 2


def test_with_the_shared_cache_away_values_are_built_and_kept_in_memory(monkeypatch):
    from django.core.cache import cache

    monkeypatch.setattr(cache, "get", lambda *a, **k: None)
    monkeypatch.setattr(cache, "set", lambda *a, **k: None)
    build, calls = _counting("posts")

    assert fragments.remembered("thread:1:v1", build) == "posts"
    assert fragments.remembered("thread:1:v1", build) == "posts"
    assert len(calls) == 1
