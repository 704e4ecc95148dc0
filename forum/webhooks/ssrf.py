"""Where a webhook may send: public http(s) addresses only, so that a member cannot point
Parley's workers at the internal network (cloud metadata, databases, admin ports).

`resolve` is the check before every attempt: it returns the addresses it approved, and
the transport connects to those very addresses, so a DNS answer that changes between
the check and the request (DNS rebinding) cannot reach a private address."""

import ipaddress
import logging
import socket
from dataclasses import dataclass
from typing import NoReturn
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

MAX_URL_LENGTH = 500
ALLOWED_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class DestinationRefused(Exception):
    """The URL may never be sent to as it stands; retrying will not help."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DestinationNotPublic(Exception):
    """The host has no public address: it did not resolve, or it resolved to an address
    that is not public. The webhook's owner is told the same words either way, and both
    are retried alike, so that a webhook cannot be used to learn which internal names
    exist and where they point; DNS trouble is often passing, hence the retries."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str
    port: int
    # Path and query as sent in the request line; the fragment never leaves the client.
    target: str


def private_addresses_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", False))


def is_public_address(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv4 address wrapped in IPv6 (::ffff:10.0.0.1) is that IPv4 host.
        if address.ipv4_mapped is not None:
            return is_public_address(address.ipv4_mapped)
        # A 6to4 address (2002:a00:1::) is tunnelled to the IPv4 host it embeds. (NAT64's
        # 64:ff9b::/96 needs no such care: it is in ::/8, which counts as reserved.)
        if address.sixtofour is not None and not is_public_address(address.sixtofour):
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def parse(url: str) -> Destination:
    """Check the URL's shape, without any network lookup. Raises DestinationRefused with
    a message fit to show the person who typed it."""
    if len(url) > MAX_URL_LENGTH:
        raise DestinationRefused(f"Use at most {MAX_URL_LENGTH} characters.")
    if any(ord(char) <= 32 or ord(char) == 127 for char in url):
        raise DestinationRefused("A URL cannot contain spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise DestinationRefused(f"This is not a valid URL ({exc}).") from exc
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise DestinationRefused("Use an http:// or https:// URL.")
    if not parts.hostname:
        raise DestinationRefused("The URL needs a host name.")
    if port == 0:
        raise DestinationRefused("Port 0 cannot be connected to.")
    # Credentials in the URL would be stored and shown in clear; the signature is how a
    # receiver knows the request is ours.
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise DestinationRefused("A URL cannot carry a user name or password.")
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    return Destination(
        scheme=scheme, host=parts.hostname, port=port or DEFAULT_PORTS[scheme], target=target
    )


def check_literal_address(destination: Destination) -> None:
    """Refuse at once a URL whose host is a private IP address written out; host names
    are checked when they are resolved, before each attempt."""
    try:
        address = ipaddress.ip_address(destination.host)
    except ValueError:
        return
    if not is_public_address(address) and not private_addresses_allowed():
        raise DestinationRefused(f"{address} is not a public address.")


def resolve(destination: Destination) -> list[str]:
    """The addresses to connect to, all of them public (unless the setting
    WEBHOOKS_ALLOW_PRIVATE_ADDRESSES allows private ones). Refuses the whole host if
    any address it resolves to is private, since which one a client picks is not ours
    to predict. What the resolver answered goes to the log only (DestinationNotPublic)."""
    try:
        answers = socket.getaddrinfo(
            destination.host, destination.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except (OSError, UnicodeError) as exc:
        _not_public(destination, f"it did not resolve ({exc})")
    addresses: list[str] = []
    for _family, _type, _proto, _canonname, sockaddr in answers:
        # Drop an IPv6 scope ("fe80::1%eth0"): the address alone decides what it is.
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if not is_public_address(address) and not private_addresses_allowed():
            _not_public(destination, f"it resolves to {address}")
        if str(address) not in addresses:
            addresses.append(str(address))
    if not addresses:
        _not_public(destination, "it has no address")
    return addresses


def _not_public(destination: Destination, detail: str) -> NoReturn:
    logger.info("Webhook host %s refused: %s", destination.host, detail)
    raise DestinationNotPublic(f"{destination.host} is not a public address.")
