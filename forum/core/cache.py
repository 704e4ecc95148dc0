"""A Redis cache that degrades instead of failing: throttles and rate limits read it on
every request, and Redis going away must not turn requests into server errors. While it
is unreachable, reads miss and writes are dropped (throttles then let requests through
until it returns), and the failure is logged."""

import logging

from django.core.cache.backends.redis import RedisCache
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


class ResilientRedisCache(RedisCache):
    get = _degrading("get", lambda key, default=None, version=None: default)
    get_many = _degrading("get_many", {})
    set = _degrading("set", None)
    set_many = _degrading("set_many", [])
    add = _degrading("add", False)
    delete = _degrading("delete", False)
    delete_many = _degrading("delete_many", None)
    incr = _degrading("incr", 0)
    has_key = _degrading("has_key", False)
    touch = _degrading("touch", False)
    clear = _degrading("clear", None)
