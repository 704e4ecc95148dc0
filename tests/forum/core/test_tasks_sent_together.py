"""Tasks sent together reach the broker in one round trip, and still arrive when one of
them cannot be sent or the batch fails."""

from unittest import mock

import pytest
import redis
from celery import current_app
from django.conf import settings
from kombu.transport.redis import PublishBatch

from forum.core.tasks import send, sent_together
from forum.threads import services as thread_services
from forum.threads.tasks import fan_out_post
from moderation.tasks import check_post_revision
from tests.factories import make_thread

pytestmark = pytest.mark.integration  # a real Redis broker; reported as a fallback without


@pytest.fixture
def broker():
    """The real broker instead of eager mode, and the default queue's new messages."""
    current_app.conf.task_always_eager = False
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    before = client.llen("celery")

    def new_messages() -> list[str]:
        return [m.decode() for m in client.lrange("celery", 0, client.llen("celery") - before - 1)]

    try:
        yield new_messages
    finally:
        current_app.conf.task_always_eager = True
        for _ in range(client.llen("celery") - before):
            client.lpop("celery")


def _packets_sent():
    return mock.patch.object(
        redis.connection.AbstractConnection,
        "send_packed_command",
        autospec=True,
        side_effect=redis.connection.AbstractConnection.send_packed_command,
    )


def test_two_tasks_go_in_one_round_trip(broker):
    with sent_together():  # a process's first message also declares the queue
        send(fan_out_post, 100)
    with _packets_sent() as packets, sent_together():
        send(fan_out_post, 101)
        send(check_post_revision, 202)
        assert packets.call_count == 0  # nothing has left yet
    assert packets.call_count == 1
    messages = broker()
    assert len(messages) == 3
    assert "moderation.check_post_revision" in messages[0]  # newest first
    assert "threads.fan_out_post" in messages[1]


def test_a_failed_batch_sends_each_task_on_its_own(broker, monkeypatch, caplog):
    def lost(self):
        raise ConnectionError("pipeline lost")

    monkeypatch.setattr(PublishBatch, "flush", lost)
    with sent_together():
        send(fan_out_post, 303)
        send(check_post_revision, 404)
    assert "pipeline lost" in caplog.text
    assert len(broker()) == 2


@pytest.mark.django_db
def test_a_reply_whose_fan_out_cannot_be_sent_still_sends_its_check(
    broker, monkeypatch, member, category, django_capture_on_commit_callbacks, caplog
):
    thread = make_thread(author=member, category=category)

    def broker_down(post_id):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(thread_services, "_enqueue_fan_out", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        thread_services.post_create(author=member, thread=thread, body="Still checked.")
    assert "Redis is down" in caplog.text
    messages = broker()
    assert len(messages) == 1
    assert "moderation.check_post_revision" in messages[0]
