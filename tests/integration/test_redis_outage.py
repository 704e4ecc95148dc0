"""Redis stops while members keep posting: every post is stored with its state, nothing
answers 5xx, and the work whose enqueue failed (the checks, the fan-outs) is left
recorded in the database; once Redis is back, the sweeps run by a real worker finish it.

Everything here uses a Redis of its own from the first post on: this process's cache and
Celery producer, and the worker's broker. No task runs in this process."""

import itertools
import logging
import os
import time

import pytest
from kombu.exceptions import OperationalError
from rest_framework.test import APIClient

from forum.celery import app
from forum.core.models import PendingEvent
from forum.threads.models import Post, PostRevision
from forum.threads.tasks import sweep_due_fan_outs
from moderation.tasks import sweep_unchecked_revisions
from tests.integration.fault_services import PrivateRedis
from tests.workers import (
    settled_task_results,
    start_celery_worker,
    stop_celery_worker,
    tasks_sent_to,
    wait_for,
    worker_env,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

REPLIES = 5


@pytest.fixture
def private_redis():
    redis = PrivateRedis().start()
    try:
        yield redis
    finally:
        redis.stop()


@pytest.fixture
def on_private_redis(private_redis, settings):
    """This process caches in, and sends its tasks to, the private Redis."""
    settings.CACHES = {
        "default": {
            "BACKEND": "forum.core.cache.ResilientRedisCache",
            "LOCATION": private_redis.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    with tasks_sent_to(private_redis.url):
        yield private_redis


@pytest.fixture
def worker_log(transactional_db, on_private_redis, tmp_path):
    """A real worker consuming from the private Redis; yields the path of its log."""
    log = tmp_path / "worker.log"
    env = worker_env(REDIS_URL=on_private_redis.url)
    process = start_celery_worker(env, f"outage-{os.getpid()}@127.0.0.1", log)
    try:
        yield log
    finally:
        stop_celery_worker(process)


def test_posts_made_while_redis_is_down_are_finished_by_the_worker_once_it_is_back(
    on_private_redis, worker_log, member, category, caplog
):
    assert not app.conf.task_always_eager
    api = APIClient()
    api.force_authenticate(member)
    created = api.post(
        "/api/v1/threads/",
        {"category": category.slug, "title": "Before the outage", "body": "Redis is up."},
        format="json",
    )
    assert created.status_code == 201
    thread_id = created.json()["id"]
    opening = Post.objects.get(thread_id=thread_id)

    def opening_post_finished_by_the_worker():
        opening.refresh_from_db()
        checked = PostRevision.objects.filter(post=opening, checked_at__isnull=False).exists()
        return checked and opening.fan_out_due_at is None

    wait_for(opening_post_finished_by_the_worker, timeout=60)

    on_private_redis.stop()
    caplog.set_level(logging.WARNING)
    statuses = []
    started = time.monotonic()
    for n in range(REPLIES):
        reply = api.post(
            f"/api/v1/threads/{thread_id}/posts/", {"body": f"During {n}"}, format="json"
        )
        statuses.append(reply.status_code)
    statuses.append(api.get(f"/api/v1/threads/{thread_id}/posts/").status_code)
    statuses.append(api.get("/api/v1/categories/").status_code)
    assert statuses == [201] * REPLIES + [200, 200]
    assert time.monotonic() - started < 30

    during = Post.objects.filter(thread_id=thread_id, body_source__startswith="During")
    assert during.count() == REPLIES
    # The enqueues failed, and what they were to do is recorded where the sweeps look:
    # each revision is unchecked and each post's fan-out is still due.
    assert PostRevision.objects.filter(post__in=during, checked_at__isnull=True).count() == REPLIES
    assert during.filter(fan_out_due_at__isnull=False).count() == REPLIES
    assert not PendingEvent.objects.exists()
    # Each failed send is logged with the broker's error. The first reply's two tasks were
    # sent together over the connection that was open, and failed as a batch when it
    # was flushed; each later reply's fan-out and check failed as they were sent.
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert all(isinstance(record.exc_info[1], OperationalError) for record in errors)
    later = during.order_by("pk")[1:]
    assert [record.getMessage().split(" (")[0] for record in errors] == [
        "Error calling _after_commit_reply.<locals>.enqueue in on_commit() during transaction",
        *itertools.chain.from_iterable(
            (
                f"Sending the fan-out of post {post.pk} failed; it is due",
                "check_stored_revision failed on "
                f"RevisionStored(revision_id={post.current_revision_id})",
            )
            for post in later
        ),
    ]

    on_private_redis.start()
    sweep_unchecked_revisions.delay()
    sweep_due_fan_outs.delay()

    def all_finished():
        unchecked = PostRevision.objects.filter(post__in=during, checked_at__isnull=True)
        return not unchecked.exists() and not during.filter(fan_out_due_at__isnull=False).exists()

    wait_for(all_finished, timeout=90)
    # Each sweep's result is logged a moment after its writes commit.
    checked = wait_for(
        lambda: settled_task_results(worker_log, "moderation.sweep_unchecked_revisions")
    )
    fanned_out = wait_for(lambda: settled_task_results(worker_log, "threads.sweep_due_fan_outs"))
    assert checked == fanned_out == [str(REPLIES)]
