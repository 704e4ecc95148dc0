"""Parts of pages and reads that every reader shown the same content shares: a page of a
thread's posts as read from the database, the same posts rendered as HTML. Members are
most of a forum's readers and each sees a page of their own (their capabilities, their
forms), yet most of that page is the same for all of them; building that part once per
version of the thread, rather than once per reader, is what keeps a member's page close
to an anonymous one in cost.

A key names everything its value was built from, the thread's `version` among it (which
rises in the same transaction as any change to the thread or its posts), so a key never
names stale content and nothing needs invalidating: a change makes new keys, and entries
under the old ones are left to expire. They expire after PAGE_CACHE_SECONDS, which bounds
how long anything a thread's version does not cover (a member's new display name) can
lag, as it does for the anonymous page cache.

A version is read before the rows built under it, so a value may hold changes newer than
its key names, never older ones.

Values live in the shared cache (Redis) and, for those a process uses most, in memory
(`PAGE_CACHE_LOCAL_BYTES`, besides the pages). With Redis unreachable, values are built
for each request and kept in memory only.
"""

import hashlib
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

from forum.core.pagecache import PAGE_CACHE_SECONDS, LocalStore

T = TypeVar("T")


@dataclass(frozen=True)
class _Fragment:
    expires_at: float
    size: int
    value: object


local_fragments = LocalStore(size_of=lambda fragment: fragment.size)


def _key(name: str) -> str:
    digest = hashlib.blake2b(
        f"{settings.PAGE_CACHE_RELEASE}\x00{name}".encode(), digest_size=20
    ).hexdigest()
    return f"fragment:{digest}"


def remembered(name: str, build: Callable[[], T]) -> T:
    """The value stored under `name`, or what `build` returns, stored under it for the
    next reader. `name` must name every input of `build` (see the module). The value is
    shared: callers must not change it."""
    key = _key(name)
    fragment = local_fragments.get(key)
    if fragment is None:
        fragment = _shared(key)
        if fragment is None:
            value = build()
            expires_at = time.time() + PAGE_CACHE_SECONDS
            # Pickled once, here: its length is what the value costs in memory.
            payload = pickle.dumps((expires_at, value), pickle.HIGHEST_PROTOCOL)
            fragment = _Fragment(expires_at=expires_at, size=len(payload), value=value)
            cache.set(key, payload, PAGE_CACHE_SECONDS)
        local_fragments.put(key, fragment)
    return fragment.value


def _shared(key: str) -> _Fragment | None:
    payload = cache.get(key)
    if not isinstance(payload, bytes):
        return None
    expires_at, value = pickle.loads(payload)  # noqa: S301 (written by this module)
    if expires_at <= time.time():
        return None
    return _Fragment(expires_at=expires_at, size=len(payload), value=value)


def digest(*parts: object) -> str:
    """A short name for `parts` (their `repr`s), for a fragment's name."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()
