"""A real worker delivers a signed webhook when a post becomes visible."""

import hashlib
import hmac
import json

import pytest

from forum.webhooks.services import webhook_create
from tests.factories import make_reply, make_thread
from tests.workers import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_post_created_reaches_the_receiver_signed(
    celery_worker_process, receiver, allow_private, member, other_member
):
    webhook = webhook_create(owner=other_member, url=receiver.url, events=["post.created"])
    thread = make_thread(author=member)
    reply = make_reply(thread=thread, author=member, body="Integrators hear of this.")

    def delivered_reply():
        for request in receiver.requests:
            body = json.loads(request.body)
            if body["data"]["post"]["id"] == reply.pk:
                return request
        return None

    request = wait_for(delivered_reply, timeout=30)
    timestamp, signature = (
        item.split("=", 1)[1] for item in request.headers["X-Parley-Signature"].split(",")
    )
    expected = hmac.new(
        webhook.secret.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(expected, signature)
    assert request.headers["X-Parley-Event"] == "post.created"
    assert "Integrators hear" not in request.body.decode()
