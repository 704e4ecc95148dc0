"""The client address: REMOTE_ADDR unless the settings name proxies in front, and then the
address the outermost trusted proxy was reached from; throttles count an IPv6 client by
its /64 network."""

import pytest
from django.test import RequestFactory, override_settings

from forum.core.client_address import client_address, client_network


def _request(remote: str, forwarded: str | None = None):
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_with_no_proxy_the_forwarded_header_is_the_clients_word_and_ignored(settings):
    assert settings.TRUSTED_PROXY_COUNT == 0

    assert client_address(_request("198.51.100.7", "203.0.113.1")) == "198.51.100.7"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "client"),
    [
        # One proxy appends the address it was reached from; anything left of it the
        # client wrote itself.
        (1, "203.0.113.1", "203.0.113.1"),
        (1, "made-up, 203.0.113.1", "203.0.113.1"),
        # Two: a CDN, then a load balancer; the CDN saw the client.
        (2, "made-up, 203.0.113.1, 192.0.2.10", "203.0.113.1"),
        (2, " 203.0.113.1 ,192.0.2.10", "203.0.113.1"),
        # Fewer hops than proxies: the leftmost is the furthest address known.
        (2, "203.0.113.1", "203.0.113.1"),
    ],
)
def test_behind_n_proxies_the_client_is_the_nth_address_from_the_right(proxies, forwarded, client):
    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        assert client_address(_request("10.0.0.2", forwarded)) == client


def test_behind_a_proxy_that_sent_no_header_the_client_is_who_connected():
    with override_settings(TRUSTED_PROXY_COUNT=1):
        assert client_address(_request("10.0.0.2")) == "10.0.0.2"
        assert client_address(_request("10.0.0.2", " , ")) == "10.0.0.2"


def test_drf_reads_the_header_the_same_way(settings):
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT


@pytest.mark.parametrize(
    ("remote", "counted_as"),
    [
        ("198.51.100.7", "198.51.100.7"),
        # Any address of a /64 is the same client; the next /64 is another.
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:db8:1:2::/64"),
        ("2001:DB8:1:3:0:0:0:1", "2001:db8:1:3::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        # IPv4 written as IPv6 is that IPv4 address.
        ("::ffff:198.51.100.7", "198.51.100.7"),
        # Not an address: counted as written.
        ("unknown", "unknown"),
        ("", ""),
    ],
)
def test_throttles_count_an_ipv6_client_by_its_64_network(remote, counted_as):
    assert client_network(_request(remote)) == counted_as


def test_the_network_is_that_of_the_address_the_proxies_name():
    with override_settings(TRUSTED_PROXY_COUNT=1):
        request = _request("10.0.0.2", "made-up, 2001:db8:5:6::77")
        assert client_address(request) == "2001:db8:5:6::77"
        assert client_network(request) == "2001:db8:5:6::/64"
