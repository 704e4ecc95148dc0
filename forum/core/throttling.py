"""API request rates: members per account at the `user` rate, everyone else per client
address at the `anon` rate (`DEFAULT_THROTTLE_RATES`).

One counter per client and fixed window, raised with one `INCR` (and its expiry, in
the same round trip), in place of DRF's two
throttles that each read and rewrote a list of every request time in the window (four
cache round trips and a pickled list per request). A fixed window lets a client spend
up to twice its rate across a window boundary; the limits are sized with that in mind.
While the cache is unreachable the counter reads 0 and requests go through.
"""

import time

from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from forum.core.cache import count as cache_count

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
        return _count(f"throttle:{scope}:{ident}:{window}", seconds) <= limit

    def wait(self) -> float:
        return self.retry_after


def _count(key: str, seconds: int) -> int:
    """Add one request to the window's counter and return the new count."""
    return cache_count(key, seconds + 1)
