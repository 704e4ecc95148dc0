"""The SSRF guard: a webhook reaches public http(s) addresses only, checked when it is
registered and again, against fresh DNS answers, before every attempt."""

import ipaddress
import socket
import ssl

import pytest

from forum.core.errors import ValidationFailed
from forum.webhooks import services, ssrf, tasks, transport
from forum.webhooks.models import Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db

Status = WebhookDelivery.Status


def answers(*addresses: str, port: int = 80):
    """A getaddrinfo result listing `addresses`."""
    result = []
    for address in addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sockaddr = (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
        result.append((family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr))
    return result


@pytest.fixture
def no_connections(monkeypatch):
    """Fail the test if anything opens a connection."""
    opened = []

    def refuse(address, *args, **kwargs):
        opened.append(address)
        raise AssertionError(f"a connection to {address} was opened")

    monkeypatch.setattr(socket, "create_connection", refuse)
    return opened


@pytest.fixture
def fake_dns(monkeypatch):
    """Answer for chosen host names; every other name goes to the real resolver."""
    table: dict[str, list] = {}
    calls: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        calls.append(host)
        if host in table:
            value = table[host]
            return value() if callable(value) else value
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    table["calls"] = calls
    return table


def attempt_once(member, make_webhook, url: str) -> WebhookDelivery:
    webhook = make_webhook(owner=member, url=url)
    delivery = WebhookDelivery.objects.create(
        webhook=webhook, event="post.created", event_id="post.created:1", payload={}
    )
    tasks.deliver(delivery.pk)
    delivery.refresh_from_db()
    return delivery


@pytest.mark.usefixtures("refuse_private")
@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://127.0.0.1:{port}/hook", "127.0.0.1"),
        ("http://10.20.30.40/hook", "10.20.30.40"),
        ("http://192.168.1.1/hook", "192.168.1.1"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://[::1]:{port}/hook", "::1"),
        ("http://0.0.0.0:{port}/hook", "0.0.0.0"),
        ("http://[::ffff:127.0.0.1]:{port}/hook", "::ffff:127.0.0.1"),
        ("http://100.64.0.1/hook", "100.64.0.1"),
        ("http://224.0.0.1/hook", "224.0.0.1"),
    ],
)
def test_private_addresses_are_refused_before_any_request(
    url, host, member, make_webhook, receiver, no_connections, retries
):
    delivery = attempt_once(member, make_webhook, url.format(port=receiver.port))

    assert delivery.status == Status.PENDING
    assert delivery.last_error == f"{host} is not a public address."
    assert delivery.attempts == 1
    assert no_connections == []
    assert receiver.requests == []
    assert Webhook.objects.get().consecutive_failures == 1


@pytest.mark.usefixtures("refuse_private")
def test_a_host_name_resolving_to_loopback_is_refused(
    member, make_webhook, receiver, fake_dns, no_connections, retries
):
    fake_dns["hooks.example.test"] = answers("127.0.0.1", port=receiver.port)

    delivery = attempt_once(member, make_webhook, f"http://hooks.example.test:{receiver.port}/")

    assert delivery.last_error == "hooks.example.test is not a public address."
    assert receiver.requests == []


@pytest.mark.usefixtures("refuse_private")
def test_one_private_answer_among_public_ones_refuses_the_host(
    member, make_webhook, fake_dns, no_connections, retries
):
    fake_dns["mixed.example.test"] = answers("93.184.215.14", "10.0.0.7")

    delivery = attempt_once(member, make_webhook, "https://mixed.example.test/hook")

    assert delivery.last_error == "mixed.example.test is not a public address."
    assert no_connections == []


@pytest.mark.usefixtures("refuse_private")
def test_a_private_answer_and_no_answer_look_the_same_to_the_owner(
    member, make_webhook, fake_dns, no_connections, retries
):
    # The owner of a webhook must not learn which internal names exist or where they
    # point: the same words, the same status, the same retries.
    fake_dns["db.internal.test"] = answers("10.1.2.3")

    def fail():
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    fake_dns["nowhere.internal.test"] = fail
    private = attempt_once(member, make_webhook, "https://db.internal.test/")
    unknown = attempt_once(member, make_webhook, "https://nowhere.internal.test/")

    assert private.last_error == "db.internal.test is not a public address."
    assert unknown.last_error == "nowhere.internal.test is not a public address."
    assert (private.status, private.attempts) == (unknown.status, unknown.attempts)
    assert [private.next_attempt_at is None, unknown.next_attempt_at is None] == [False, False]
    assert len(retries) == 2
    assert "10.1.2.3" not in private.last_error


@pytest.mark.usefixtures("refuse_private")
def test_the_request_goes_to_the_address_that_was_checked(
    member, make_webhook, fake_dns, monkeypatch
):
    # DNS rebinding: the first answer is public, a later one would be private. The
    # transport must connect to what the guard approved, without resolving again.
    replies = iter([answers("93.184.215.14"), answers("127.0.0.1")])
    fake_dns["rebind.example.test"] = lambda: next(replies)
    connected = []

    def record(address, *args, **kwargs):
        connected.append(address)
        raise ConnectionRefusedError

    monkeypatch.setattr(socket, "create_connection", record)

    delivery = attempt_once(member, make_webhook, "http://rebind.example.test/hook")

    assert connected == [("93.184.215.14", 80)]
    assert fake_dns["calls"] == ["rebind.example.test"]
    assert delivery.status == Status.PENDING
    assert delivery.last_error == "Connection refused."


@pytest.mark.usefixtures("allow_private")
def test_the_host_name_is_sent_though_the_socket_goes_to_the_checked_address(
    member, make_webhook, receiver, fake_dns
):
    fake_dns["hooks.example.test"] = answers("127.0.0.1", port=receiver.port)

    delivery = attempt_once(member, make_webhook, f"http://hooks.example.test:{receiver.port}/x")

    assert delivery.status == Status.SUCCEEDED
    [request] = receiver.requests
    assert request.headers["Host"] == f"hooks.example.test:{receiver.port}"
    assert request.path == "/x"


@pytest.mark.usefixtures("refuse_private")
def test_an_unresolvable_host_is_retried_not_refused(member, make_webhook, monkeypatch, retries):
    def fail(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)

    delivery = attempt_once(member, make_webhook, "https://nowhere.example.test/")

    assert delivery.status == Status.PENDING
    assert delivery.last_error == "nowhere.example.test is not a public address."


@pytest.mark.usefixtures("refuse_private")
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/hook", "Use an http:// or https:// URL."),
        ("file:///etc/passwd", "Use an http:// or https:// URL."),
        ("gopher://example.com:70/_x", "Use an http:// or https:// URL."),
        ("javascript:alert(1)", "Use an http:// or https:// URL."),
        ("example.com/hook", "Use an http:// or https:// URL."),
        ("http:///hook", "The URL needs a host name."),
        ("https://user:secret@example.com/hook", "A URL cannot carry a user name or password."),
        ("https://token@example.com/hook", "A URL cannot carry a user name or password."),
        ("https://example.com:99999/", "This is not a valid URL"),
        ("https://exa mple.com/", "A URL cannot contain spaces or control characters."),
        ("https://example.com/" + "a" * 481, "Use at most 500 characters."),
        ("http://127.0.0.1/hook", "127.0.0.1 is not a public address."),
        ("http://[::1]/hook", "::1 is not a public address."),
        ("http://169.254.169.254/", "169.254.169.254 is not a public address."),
    ],
)
def test_registration_refuses_urls_that_can_never_be_sent_to(url, message, member):
    with pytest.raises(ValidationFailed) as refused:
        services.webhook_create(owner=member, url=url, events=["post.created"])

    assert refused.value.code == "invalid_url"
    assert list(refused.value.fields) == ["url"]
    assert refused.value.fields["url"][0].startswith(message)


@pytest.mark.usefixtures("refuse_private")
def test_registration_accepts_public_urls_without_resolving_them(member, no_connections):
    for url in ("https://hooks.example.com/parley", "http://93.184.215.14:8080/x?y=1"):
        webhook = services.webhook_create(owner=member, url=url, events=["post.created"])
        assert webhook.url == url
    assert len(webhook.secret) == 43


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.0.1", False),
        ("192.168.0.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.251", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:8.8.8.8", True),
        ("2002:a00:1::", False),
        ("2002:808:808::", True),
        ("64:ff9b::a00:1", False),
        ("64:ff9b::808:808", False),
    ],
)
def test_what_counts_as_a_public_address(address, public):
    assert ssrf.is_public_address(ipaddress.ip_address(address)) is public


@pytest.fixture
def trust(monkeypatch, certificate):
    """Make the transport trust the test certificate, as a public CA's would be."""
    cert, _ = certificate
    create = ssl.create_default_context
    monkeypatch.setattr(transport.ssl, "create_default_context", lambda: create(cafile=cert))


@pytest.mark.usefixtures("allow_private", "trust")
def test_https_goes_to_the_checked_address_and_verifies_the_host_name(
    member, make_webhook, https_receiver, fake_dns
):
    fake_dns["hooks.example.test"] = answers("127.0.0.1", port=https_receiver.port)

    delivery = attempt_once(
        member, make_webhook, f"https://hooks.example.test:{https_receiver.port}/tls"
    )

    assert delivery.status == Status.SUCCEEDED, delivery.last_error
    [request] = https_receiver.requests
    assert request.path == "/tls"
    assert request.headers["Host"] == f"hooks.example.test:{https_receiver.port}"


@pytest.mark.usefixtures("allow_private", "trust")
def test_https_refuses_a_certificate_for_another_name(
    member, make_webhook, https_receiver, fake_dns
):
    fake_dns["other.example.test"] = answers("127.0.0.1", port=https_receiver.port)

    delivery = attempt_once(
        member, make_webhook, f"https://other.example.test:{https_receiver.port}/tls"
    )

    assert delivery.status == Status.PENDING
    assert delivery.last_error.startswith("TLS failed")
    assert https_receiver.requests == []


@pytest.mark.usefixtures("allow_private")
def test_https_refuses_an_untrusted_certificate(member, make_webhook, https_receiver, fake_dns):
    fake_dns["hooks.example.test"] = answers("127.0.0.1", port=https_receiver.port)

    delivery = attempt_once(
        member, make_webhook, f"https://hooks.example.test:{https_receiver.port}/tls"
    )

    assert delivery.status == Status.PENDING
    assert "CERTIFICATE_VERIFY_FAILED" in delivery.last_error
    assert https_receiver.requests == []
