"""A separate Celery worker process runs tasks through a real Redis against PostgreSQL."""

import pytest

from forum.notifications.models import Notification
from forum.threads.models import Post, PostRevision
from forum.threads.tasks import sweep_due_fan_outs
from moderation.tasks import sweep_unchecked_revisions
from tests.factories import make_reply, make_thread
from tests.pooler import pooler_drop_connections, pooler_show, transaction_pooled
from tests.workers import wait_for, worker_env

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

    monkeypatch.setattr("moderation.plugs.enqueue_check", broker_down)
    thread = make_thread(author=member, body="Posted while the broker was away.")
    revision = PostRevision.objects.get(post=thread.opening_post_id)
    assert revision.checked_at is None
    assert "Redis is down" in caplog.text
    monkeypatch.undo()

    sweep_unchecked_revisions.delay()

    def checked():
        return PostRevision.objects.filter(pk=revision.pk, checked_at__isnull=False).exists()

    wait_for(checked, timeout=30)


WORKER_APPLICATION = "parley-test-reusing-worker"


@pytest.fixture
def long_lived_connections_worker(transactional_db, tmp_path):
    """A worker whose database connections may live for a minute, as in production."""
    from forum.celery import app
    from tests.workers import start_celery_worker, stop_celery_worker, tasks_through_broker

    app.control.purge()
    env = worker_env(TEST_CONN_MAX_AGE="60")
    # Named, so that its connections can be told from other processes' in the server.
    env["DATABASE_URL"] += f"?application_name={WORKER_APPLICATION}"
    with tasks_through_broker():
        process = start_celery_worker(env, f"reuse-{id(tmp_path)}@127.0.0.1", tmp_path / "w.log")
        try:
            yield process
        finally:
            stop_celery_worker(process)


def _worker_connections() -> set:
    """The worker's connections to the database: its server sessions; behind a
    transaction-mode pooler, its connections to the pooler, whose server sessions are
    shared by every client."""
    from django.db import connection

    if transaction_pooled():
        clients = pooler_show("CLIENTS")
        return {
            (c["addr"], c["port"]) for c in clients if c["application_name"] == WORKER_APPLICATION
        }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s",
            [WORKER_APPLICATION],
        )
        return {pid for (pid,) in cursor.fetchall()}


def _break_worker_connection(found: set) -> None:
    from django.db import connection

    if transaction_pooled():
        # The pooler closes clients only by database: this process's connection too.
        connection.close()
        pooler_drop_connections()
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [next(iter(found))])


def _all_checked() -> bool:
    return not PostRevision.objects.filter(checked_at__isnull=True).exists()


def test_the_worker_keeps_its_database_connection_across_tasks_and_replaces_a_broken_one(
    long_lived_connections_worker, member
):
    thread = make_thread(author=member, body="The first task opens a connection.")
    wait_for(_all_checked, timeout=30)
    first = _worker_connections()
    assert len(first) == 1  # the solo worker's one connection, kept after its task

    for n in range(3):
        make_reply(thread=thread, author=member, body=f"Reply {n} reuses it.")
    wait_for(_all_checked, timeout=30)
    assert _worker_connections() == first

    _break_worker_connection(first)
    make_reply(thread=thread, author=member, body="Checked on a fresh connection.")

    wait_for(_all_checked, timeout=30)
    replaced = _worker_connections()
    assert len(replaced) == 1 and replaced != first


def test_a_lost_fan_out_reaches_the_watchers_once_the_sweep_runs(
    celery_worker_process, member, other_member, monkeypatch
):
    thread = make_thread(author=member, body="Watched by its author.")

    def broker_down(post_id):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr("forum.threads.services._enqueue_fan_out", broker_down)
    reply = make_reply(thread=thread, author=other_member)
    monkeypatch.undo()
    wait_for(_all_checked, timeout=30)  # the check went through; the fan-out did not
    assert not Notification.objects.filter(recipient=member, post=reply).exists()

    sweep_due_fan_outs.delay()

    # The fan-out is marked done once its batches are enqueued; they are delivered after.
    wait_for(
        lambda: Post.objects.filter(pk=reply.pk, fan_out_due_at__isnull=True).exists(),
        timeout=30,
    )
    wait_for(lambda: Notification.objects.filter(recipient=member, post=reply).exists(), timeout=30)
    assert Notification.objects.filter(recipient=member, post=reply).count() == 1
