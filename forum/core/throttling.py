"""API request rates: members per account at the `user` rate, everyone else per client
address (`forum.core.client_address`) at the `anon` rate (`DEFAULT_THROTTLE_RATES`).

One counter per client and fixed window, raised with one `INCR`, in place of DRF's two
throttles that each read and rewrote a list of every request time in the window (four
cache round trips and a pickled list per request). A fixed window lets a client spend
up to twice its rate across a window boundary; the limits are sized with that in mind.
While the cache is unreachable the counter reads 0 and requests go through.
"""

import time

from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from forum.core.client_address import client_address

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """("120/min") -> (120 requests, 60 seconds)."""
    count, period = rate.split("/")
    return int(count), _UNITS[period[0]]


class RequestRateThrottle(BaseThrottle):
    THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES

    def allow_request(self, request, view) -> bool:
        member = request.user.is_authenticated
        scope = "user" if member else "anon"
        rate = self.THROTTLE_RATES.get(scope)
        if not rate:
            return True
        limit, seconds = parse_rate(rate)
        ident = request.user.pk if member else self.get_ident(request)
        now = time.time()
        window = int(now // seconds)
        self.retry_after = max(1, int(seconds - now % seconds) + 1)
        return _count(request, f"throttle:{scope}:{ident}:{window}", seconds) <= limit

    def get_ident(self, request) -> str:
        return client_address(request)

    def wait(self) -> float:
        return self.retry_after


def _count(request, key: str, seconds: int) -> int:
    """Add one request to the window's counter and return the new count. On Redis, in one
    round trip that also reads the keys the view asked to have read ahead
    (`pagecache.read_ahead`), so a cached page costs no round trip of its own."""
    incr_expiring = getattr(cache, "incr_expiring", None)
    if incr_expiring is not None:
        wanted = getattr(request, "cache_read_ahead", ())
        count, values = incr_expiring(key, seconds + 1, read=wanted)
        if wanted:
            request.cache_read = values
        return count
    try:
        return cache.incr(key)
    except ValueError:
        # The window's first request; if another got there first, count on theirs.
        if cache.add(key, 1, timeout=seconds + 1):
            return 1
        try:
            return cache.incr(key)
        except ValueError:
            return 1
