"""The address a request came from: what a log line should name, and (as its network, for
IPv6) what every throttle counts a client by.

Each trusted proxy (TRUSTED_PROXY_COUNT of them) appends the address it was reached from
to X-Forwarded-For, so behind N proxies the client is the N-th address from the right;
whatever stands further left was written by the client and proves nothing. With no
proxy, REMOTE_ADDR is the client and the header is ignored. (DRF reads the header the
same way when its NUM_PROXIES is set, as the settings do.)
"""

import ipaddress

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


# An IPv6 subscriber is commonly given a whole /64 and may use any address in it: counted
# per address, one client could spread its requests over 2**64 counters.
IPV6_CLIENT_PREFIX = 64


def client_network(request: HttpRequest) -> str:
    """The client as throttles count it: its IPv4 address, or the /64 network of its IPv6
    address (an IPv4 address written as IPv6, ::ffff:a.b.c.d, is that IPv4 address).
    Whatever is not an address (a proxy's "unknown") is counted as it is written."""
    address = client_address(request)
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/{IPV6_CLIENT_PREFIX}", strict=False))
