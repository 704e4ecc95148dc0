"""A separate Celery worker process runs tasks through a real Redis against PostgreSQL."""

import pytest

from forum.threads.models import PostRevision
from moderation.tasks import sweep_unchecked_revisions
from tests.conftest import wait_for
from tests.factories import make_reply, make_thread

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_new_post_is_checked_by_the_worker_after_commit(celery_worker_process, member):
    thread = make_thread(author=member, body="Checked by a real worker.")
    reply = make_reply(thread=thread, author=member)

    def both_checked():
        return (
            PostRevision.objects.filter(
                post__in=[thread.opening_post_id, reply.pk], checked_at__isnull=False
            ).count()
            == 2
        )

    wait_for(both_checked, timeout=30)


def test_posting_survives_a_lost_enqueue_and_the_sweep_finishes_the_check(
    celery_worker_process, member, monkeypatch, caplog
):
    def broker_down(revision_id):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr("forum.threads.services._enqueue_check", broker_down)
    thread = make_thread(author=member, body="Posted while the broker was away.")
    revision = PostRevision.objects.get(post=thread.opening_post_id)
    assert revision.checked_at is None
    assert "Redis is down" in caplog.text
    monkeypatch.undo()

    sweep_unchecked_revisions.delay()

    def checked():
        return PostRevision.objects.filter(pk=revision.pk, checked_at__isnull=False).exists()

    wait_for(checked, timeout=30)
