"""Delivering webhooks: signed, once per event, retried with back-off, then given up;
a webhook that keeps failing is disabled."""

import datetime as dt
import hashlib
import hmac
import json
import socket
import time

import pytest
from django.utils import timezone

from forum.accounts.models import User
from forum.webhooks import payloads, services, tasks, transport
from forum.webhooks.models import Webhook, WebhookDelivery
from tests.factories import ModeratorFactory, make_reply, make_thread

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_private")]

Status = WebhookDelivery.Status


def verify(secret: str, header: str, body: bytes, tolerance: int = 300, now=None) -> bool:
    """The receiver's check, as forum/api_guide.md shows it (plus `now`)."""
    try:
        fields = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(fields["t"])
        received = fields["v1"]
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, received)


@pytest.fixture
def announce(django_capture_on_commit_callbacks):
    """Announce an event and run what it queued after commit (the deliveries, eagerly)."""

    def run(**kwargs) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return services.webhook_event(**kwargs)

    return run


def time_passes(delivery: WebhookDelivery) -> None:
    """Bring the delivery's next attempt to now, as if its back-off had run out."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def post_created(post_id: int = 7) -> dict:
    return {
        "event": "post.created",
        "event_id": f"post.created:{post_id}",
        "payload": {"post": {"id": post_id, "thread_id": 3}},
    }


def test_the_receiver_gets_a_signed_request_with_our_headers(announce, receiver, member):
    webhook = services.webhook_create(owner=member, url=receiver.url, events=["post.created"])

    assert announce(**post_created(7)) == 1

    [request] = receiver.requests
    delivery = WebhookDelivery.objects.get()
    assert request.path == "/hooks/parley?source=test"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "Parley-Webhooks/1"
    assert request.headers["X-Parley-Event"] == "post.created"
    assert request.headers["X-Parley-Delivery"] == str(delivery.pk)
    assert request.headers["Host"] == f"127.0.0.1:{receiver.port}"

    signature = dict(
        item.split("=", 1) for item in request.headers["X-Parley-Signature"].split(",")
    )
    assert set(signature) == {"t", "v1"}
    assert abs(time.time() - int(signature["t"])) < 60
    recomputed = hmac.new(
        webhook.secret.encode(), signature["t"].encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(recomputed, signature["v1"])

    header = request.headers["X-Parley-Signature"]
    assert verify(secret=webhook.secret, header=header, body=request.body)
    assert not verify(secret="not-the-secret", header=header, body=request.body)
    assert not verify(secret=webhook.secret, header=header, body=request.body + b" ")
    assert not verify(
        secret=webhook.secret, header=header, body=request.body, now=time.time() + 301
    )
    for malformed in ("", "t=abc,v1=00", "v1=00", signature["v1"]):
        assert not verify(secret=webhook.secret, header=malformed, body=request.body)

    assert json.loads(request.body) == {
        "delivery_id": delivery.pk,
        "event": "post.created",
        "event_id": "post.created:7",
        "created_at": delivery.created_at.isoformat(),
        "data": {"post": {"id": 7, "thread_id": 3}},
    }
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        Status.SUCCEEDED,
        1,
        200,
    )
    assert delivery.delivered_at is not None
    assert delivery.next_attempt_at is None


def test_only_active_webhooks_subscribed_to_the_event_hear_of_it(
    announce, receiver, member, other_member, make_webhook
):
    base = f"http://127.0.0.1:{receiver.port}"
    make_webhook(owner=member, url=f"{base}/posts", events=["post.created"])
    make_webhook(owner=member, url=f"{base}/threads", events=["thread.created"])
    make_webhook(owner=other_member, url=f"{base}/both", events=["thread.created", "post.created"])
    make_webhook(owner=member, url=f"{base}/disabled", is_active=False)
    make_webhook(owner=member, url=f"{base}/deleted", is_active=False, deleted_at=timezone.now())
    inactive_owner = User.objects.create(username="gone", is_active=False)
    make_webhook(owner=inactive_owner, url=f"{base}/inactive-owner")

    assert announce(**post_created()) == 2

    assert sorted(request.path for request in receiver.requests) == ["/both", "/posts"]


def test_an_event_announced_twice_is_delivered_once(announce, receiver, member):
    services.webhook_create(owner=member, url=receiver.url, events=["post.created"])

    assert announce(**post_created(7)) == 1
    assert announce(**post_created(7)) == 0

    assert len(receiver.requests) == 1
    delivery = WebhookDelivery.objects.get()
    # A duplicate task for the same delivery sends nothing either.
    assert tasks.deliver(delivery.pk) == "skipped"
    assert len(receiver.requests) == 1


def test_a_failure_is_retried_after_its_back_off_then_succeeds(announce, receiver, member, retries):
    webhook = services.webhook_create(owner=member, url=receiver.url, events=["post.created"])
    receiver.statuses = [500]
    before = timezone.now()

    announce(**post_created())

    delivery = WebhookDelivery.objects.get()
    assert retries == [(delivery.pk, 30)]
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        Status.PENDING,
        1,
        500,
    )
    assert "500" in delivery.last_error
    assert (
        before + dt.timedelta(seconds=30)
        <= delivery.next_attempt_at
        <= timezone.now() + dt.timedelta(seconds=30)
    )
    assert Webhook.objects.get(pk=webhook.pk).consecutive_failures == 1

    # Too early: the back-off is not over, so nothing is sent.
    assert tasks.deliver(delivery.pk) == "skipped"
    assert len(receiver.requests) == 1

    time_passes(delivery)
    assert tasks.deliver(delivery.pk) == Status.SUCCEEDED

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        Status.SUCCEEDED,
        2,
        200,
    )
    assert delivery.last_error == ""
    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["X-Parley-Delivery"] == second.headers["X-Parley-Delivery"]
    assert Webhook.objects.get(pk=webhook.pk).consecutive_failures == 0
    assert len(retries) == 1


def test_back_off_doubles_and_the_delivery_is_abandoned_after_eight_attempts(
    announce, receiver, member, retries
):
    webhook = services.webhook_create(owner=member, url=receiver.url, events=["post.created"])
    receiver.default_status = 503

    announce(**post_created())
    delivery = WebhookDelivery.objects.get()
    while delivery.status == Status.PENDING:
        time_passes(delivery)
        tasks.deliver(delivery.pk)
        delivery.refresh_from_db()

    assert [countdown for _, countdown in retries] == [30, 60, 120, 240, 480, 960, 1920]
    assert len(receiver.requests) == services.MAX_ATTEMPTS == 8
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        Status.ABANDONED,
        8,
        None,
    )
    # Eight is fewer than the ten failures that disable a webhook.
    webhook.refresh_from_db()
    assert webhook.is_active
    assert webhook.consecutive_failures == 8


def test_back_off_never_exceeds_an_hour():
    assert [services.retry_delay(n) for n in (1, 2, 7, 8, 20)] == [30, 60, 1920, 3600, 3600]


def test_eager_mode_does_not_send_the_retry_at_once(announce, receiver, member):
    # Without a broker, the retry task runs in-process straight away; it must find the
    # delivery not yet due rather than hammer the receiver.
    services.webhook_create(owner=member, url=receiver.url, events=["post.created"])
    receiver.default_status = 500

    announce(**post_created())

    delivery = WebhookDelivery.objects.get()
    assert len(receiver.requests) == 1
    assert (delivery.status, delivery.attempts) == (Status.PENDING, 1)


def test_a_run_of_failures_disables_the_webhook_and_abandons_its_pending_deliveries(
    announce, receiver, member, retries, settings
):
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 3
    webhook = services.webhook_create(owner=member, url=receiver.url, events=["post.created"])
    receiver.default_status = 500

    for post_id in (1, 2, 3):
        announce(**post_created(post_id))

    webhook.refresh_from_db()
    assert not webhook.is_active
    assert webhook.disabled_at is not None
    assert "3 failed attempts in a row" in webhook.disabled_reason
    assert "500" in webhook.disabled_reason
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {Status.ABANDONED}
    # The first two were scheduled for a retry before the third failure disabled it.
    assert len(retries) == 2
    for delivery_id, _ in retries:
        assert tasks.deliver(delivery_id) == "skipped"

    assert announce(**post_created(4)) == 0
    assert len(receiver.requests) == 3


def test_a_success_ends_the_run_of_failures(announce, receiver, member):
    webhook = services.webhook_create(owner=member, url=receiver.url, events=["post.created"])
    Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=9)

    announce(**post_created())

    webhook.refresh_from_db()
    assert webhook.consecutive_failures == 0
    assert webhook.is_active


def test_redirects_are_not_followed(announce, receiver, member, retries):
    services.webhook_create(owner=member, url=receiver.url, events=["post.created"])
    receiver.default_status = 302
    receiver.extra_headers = {"Location": "http://169.254.169.254/latest/meta-data/"}

    announce(**post_created())

    delivery = WebhookDelivery.objects.get()
    assert len(receiver.requests) == 1
    assert delivery.status == Status.PENDING
    assert delivery.last_status_code == 302
    assert "redirects are not followed" in delivery.last_error


def test_a_receiver_too_slow_to_answer_is_a_failed_attempt(
    announce, receiver, member, retries, monkeypatch
):
    monkeypatch.setattr(transport, "TIMEOUT_SECONDS", 0.2)
    services.webhook_create(owner=member, url=receiver.url, events=["post.created"])
    receiver.delay = 1.0

    announce(**post_created())

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        Status.PENDING,
        1,
        None,
    )
    assert "No answer within" in delivery.last_error
    assert len(retries) == 1


def test_a_closed_port_is_a_failed_attempt(announce, member, retries):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    services.webhook_create(
        owner=member, url=f"http://127.0.0.1:{closed_port}/", events=["post.created"]
    )

    announce(**post_created())

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.PENDING
    assert delivery.last_error == "Connection refused."
    assert len(retries) == 1


def test_moderators_events_reach_only_moderators_even_after_a_demotion(
    django_capture_on_commit_callbacks, receiver, member, make_webhook
):
    moderator = ModeratorFactory(username="mod")
    base = f"http://127.0.0.1:{receiver.port}"
    make_webhook(owner=moderator, url=f"{base}/mod", events=["report.filed"])
    # Stored as if the member had been a moderator when registering it.
    make_webhook(owner=member, url=f"{base}/member", events=["report.filed"])
    event = {"event": "report.filed", "event_id": "report.filed:1", "payload": {"report": {}}}

    with django_capture_on_commit_callbacks(execute=False):
        assert services.webhook_event(**event) == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.webhook.owner == moderator

    User.objects.filter(pk=moderator.pk).update(role=User.Role.MEMBER, is_staff=False)
    tasks.deliver(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Status.ABANDONED
    assert "may no longer receive" in delivery.last_error
    assert receiver.requests == []


def test_the_sweep_sends_deliveries_whose_task_was_lost(
    django_capture_on_commit_callbacks, receiver, member
):
    services.webhook_create(owner=member, url=receiver.url, events=["post.created"])
    # The after-commit enqueue never runs, as when the broker was down.
    with django_capture_on_commit_callbacks(execute=False):
        services.webhook_event(**post_created())
    delivery = WebhookDelivery.objects.get()

    assert tasks.sweep_due_deliveries() == 0  # not overdue yet: its task may be on its way

    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(minutes=5))
    assert tasks.sweep_due_deliveries() == 1

    delivery.refresh_from_db()
    assert delivery.status == Status.SUCCEEDED
    assert len(receiver.requests) == 1


def test_deleting_a_webhook_abandons_what_it_had_pending(
    django_capture_on_commit_callbacks, receiver, member
):
    webhook = services.webhook_create(owner=member, url=receiver.url, events=["post.created"])
    with django_capture_on_commit_callbacks(execute=False):
        services.webhook_event(**post_created())

    assert services.webhook_delete(webhook=webhook) is True
    assert services.webhook_delete(webhook=webhook) is False

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.ABANDONED
    assert tasks.deliver(delivery.pk) == "skipped"
    assert receiver.requests == []


def test_unknown_events_are_a_programming_error():
    with pytest.raises(ValueError, match="Unknown webhook event"):
        services.webhook_event(event="post.edited", event_id="x:1", payload={})
    with pytest.raises(ValueError, match="event_id"):
        services.webhook_event(event="post.created", event_id="x" * 101, payload={})


def test_payloads_carry_ids_and_never_text(member, category):
    thread = make_thread(
        author=member, category=category, title="Private title words", body="Secret body words"
    )
    reply = make_reply(thread=thread, body="More secret words")

    for payload in (payloads.thread_payload(thread), payloads.post_payload(reply)):
        text = json.dumps(payload)
        assert "secret" not in text.lower()
        assert "title" not in text.lower()

    assert payloads.post_payload(reply)["post"]["id"] == reply.pk
    assert payloads.thread_payload(thread)["thread"]["category"] == category.slug
