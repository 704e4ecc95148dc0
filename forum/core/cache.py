"""A Redis cache that degrades instead of failing: throttles and rate limits read it on
every request, and Redis going away must not turn requests into server errors. While it
is unreachable, reads miss and writes are dropped (throttles then let requests through
until it returns), and the failure is logged."""

import logging

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


def _degrading(method_name: str, fallback):
    def method(self, *args, **kwargs):
        try:
            return getattr(super(ResilientRedisCache, self), method_name)(*args, **kwargs)
        except _UNAVAILABLE as exc:
            logger.warning("cache unavailable for %s: %s", method_name, exc)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    method.__name__ = method_name
    return method


class _ReusingRedisCacheClient(RedisCacheClient):
    """Django's client builds a new redis-py client object for every cache call (about 8%
    of a cached page's time); a client is thread-safe and only wraps the pool, so one per
    pool serves them all."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients[index] = self._client(connection_pool=pool)
        return client


class _CountingRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _ReusingRedisCacheClient

    def incr_expiring(self, key: str, timeout: int, *, read=()) -> tuple[int, dict]:
        """Add one to the counter `key` and return the new value, in one round trip; a
        counter this call creates expires after `timeout` seconds. (`incr` takes two:
        an `EXISTS`, then the `INCRBY`.) The same round trip also reads the keys in
        `read`, returned as `get_many` would return them."""
        key = self.make_and_validate_key(key)
        names = {self.make_and_validate_key(name): name for name in read}
        pipe = self._cache.get_client(key, write=True).pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, timeout, nx=True)
        if names:
            pipe.mget(list(names))
        results = pipe.execute()
        values = {}
        if names:
            loads = self._cache._serializer.loads
            values = {
                names[name]: loads(raw)
                for name, raw in zip(names, results[2], strict=True)
                if raw is not None
            }
        return results[0], values


class ResilientRedisCache(_CountingRedisCache):
    get = _degrading("get", lambda key, default=None, version=None: default)
    get_many = _degrading("get_many", {})
    set = _degrading("set", None)
    set_many = _degrading("set_many", [])
    add = _degrading("add", False)
    delete = _degrading("delete", False)
    delete_many = _degrading("delete_many", None)
    incr = _degrading("incr", 0)
    incr_expiring = _degrading("incr_expiring", lambda *args, **kwargs: (0, {}))
    has_key = _degrading("has_key", False)
    touch = _degrading("touch", False)
    clear = _degrading("clear", None)
