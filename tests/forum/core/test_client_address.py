"""The client address every throttle counts by: REMOTE_ADDR unless the settings name
proxies in front, and then the address the outermost trusted proxy was reached from."""

import pytest
from django.test import RequestFactory, override_settings

from forum.core.client_address import client_address


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
