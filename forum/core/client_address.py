"""The address a request came from: what every throttle counts a client by, and what a
log line should name.

Each trusted proxy (TRUSTED_PROXY_COUNT of them) appends the address it was reached from
to X-Forwarded-For, so behind N proxies the client is the N-th address from the right;
whatever stands further left was written by the client and proves nothing. With no
proxy, REMOTE_ADDR is the client and the header is ignored. (DRF reads the header the
same way when its NUM_PROXIES is set, as the settings do.)
"""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return remote
    forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [hop for hop in forwarded if hop]
    if not forwarded:
        # The proxy sent no header: all that is known is who connected.
        return remote
    return forwarded[-min(proxies, len(forwarded))]
