"""A Celery worker killed with SIGKILL in the middle of a fan-out, and in the middle of a
moderation check: once a new worker runs, every notification exists exactly once and
every revision was checked exactly once.

The killed task was never acknowledged (acks_late), so Redis hands it out again after the
visibility timeout (shortened to a few seconds for these workers through
CELERY_VISIBILITY_TIMEOUT). The work it did was rolled back with its transaction, and the
unique keys (one delivery per member and post; one check per revision, locked and marked
in the check's transaction) make the rerun of anything that did commit a no-op.
"""

import os
import random
import signal
import time
from unittest import mock

import psutil
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.db.models import Count

from forum.accounts.models import User
from forum.celery import app
from forum.notifications.models import Delivery, Notification, ThreadWatch, WatchLevel
from forum.threads import services as thread_services
from forum.threads.models import PostRevision
from forum.threads.tasks import fan_out_post
from moderation import plugs as moderation_plugs
from moderation.models import ContentCheck, Rule, Verdict
from moderation.tasks import check_post_revision
from tests.factories import CategoryFactory, ModeratorFactory, UserFactory
from tests.moderation.conftest import tried_rule_save
from tests.workers import (
    freeze_when,
    kill_process_group,
    start_celery_worker,
    stop_celery_worker,
    tasks_through_broker,
    wait_for,
    worker_env,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

VISIBILITY_TIMEOUT = 4


@pytest.fixture
def workers(transactional_db, tmp_path):
    """Start workers against the test database and Redis; kill them; clean up after."""
    env = worker_env(
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
        # Small check batches, so that a kill can land after some batches committed.
        MODERATION_CHECK_BATCH_SIZE="3",
    )
    started = []
    broker = redis.Redis.from_url(settings.REDIS_URL)
    app.control.purge()
    broker.delete("unacked", "unacked_index")

    class Workers:
        log = tmp_path / "workers.log"

        def start(self, name: str, pool: str = "solo"):
            process = start_celery_worker(env, f"{name}-{id(self)}@127.0.0.1", self.log, pool=pool)
            started.append(process)
            return process

        def unacknowledged(self) -> int:
            return broker.hlen("unacked")

    with tasks_through_broker():
        try:
            yield Workers()
        finally:
            for process in started:
                stop_celery_worker(process)


def test_a_worker_killed_mid_fan_out_leaves_every_notification_exactly_once(workers):
    size = 30_000
    with (
        mock.patch.object(thread_services, "_enqueue_fan_out"),
        mock.patch.object(moderation_plugs, "enqueue_check"),
    ):
        author = UserFactory(username="announcer", trust_level=3)
        thread = thread_services.thread_create(
            author=author, category=CategoryFactory(), title="Big news", body="Watch this."
        )
        User.objects.bulk_create(
            User(username=f"watcher-{n}", password="!", trust_level=1) for n in range(size)
        )
        ThreadWatch.objects.bulk_create(
            ThreadWatch(user_id=pk, thread=thread, level=WatchLevel.WATCHING)
            for pk in User.objects.filter(username__startswith="watcher-").values_list(
                "pk", flat=True
            )
        )
        reply = thread_services.post_create(author=author, thread=thread, body="News!")
    event = f"post:{reply.pk}"

    first = workers.start("fanout-first")
    fan_out_post.delay(reply.pk)

    # Kill while a batch is being written (its transaction open, its message unacknowledged),
    # after the first batches landed: the middle of the fan-out.
    def mid_fan_out() -> bool:
        return (
            Delivery.objects.filter(event_key=event).exists()
            and _writing_to("notifications_delivery")
            and workers.unacknowledged() >= 1
        )

    freeze_when(first, mid_fan_out, timeout=120, interval=0.005)
    kill_process_group(first)

    delivered_at_kill = Delivery.objects.filter(event_key=event).count()
    assert delivered_at_kill < size, "the fan-out finished before the kill; nothing was tested"
    assert workers.unacknowledged() >= 1, "no task was in flight when the worker died"

    workers.start("fanout-second")
    wait_for(
        lambda: Delivery.objects.filter(event_key=event).count() == size,
        timeout=180,
        interval=0.5,
    )
    # Past another visibility timeout, so any further redelivery would have run by now.
    time.sleep(VISIBILITY_TIMEOUT + 3)
    wait_for(lambda: workers.unacknowledged() == 0, timeout=30)

    notifications = Notification.objects.filter(post=reply)
    assert Delivery.objects.filter(event_key=event).count() == size
    assert notifications.count() == size
    assert notifications.values("recipient").distinct().count() == size
    # new_post collapses per thread with a count: a batch delivered twice would show as 2.
    assert set(notifications.values_list("count", flat=True)) == {1}


WORDS = [
    "analysis",
    "market",
    "signal",
    "threshold",
    "reading",
    "evidence",
    "model",
    "argument",
    "claim",
    "source",
]


def _long_body(rng: random.Random, paragraphs: int) -> str:
    """About 230,000 characters: a real input whose check takes a while."""
    lines = [
        " ".join(rng.choice(WORDS) + str(rng.randint(0, 99_999)) for _ in range(30))
        for _ in range(paragraphs)
    ]
    lines[3] += " zeppelin"
    return "\n\n".join(lines)


def _writing_to(table: str) -> bool:
    """Another session has a transaction open whose latest statement touched `table` (it is
    running, or it ran and the transaction has not ended): still so once its client stops."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction') "
            "AND query LIKE %s",
            [f"%{table}%"],
        )
        return cursor.fetchone()[0] > 0


def _check_in_progress() -> bool:
    """Some other session holds the row lock revision_check takes on its revision."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks JOIN pg_class ON pg_class.oid = pg_locks.relation "
            "WHERE pg_class.relname = %s AND pg_locks.mode = 'RowShareLock' "
            "AND pg_locks.pid <> pg_backend_pid()",
            [PostRevision._meta.db_table],
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.parametrize("killed", ["the whole worker", "its pool process"])
def test_a_worker_killed_mid_check_leaves_every_revision_checked_exactly_once(workers, killed):
    """Killing the whole worker leaves the message unacknowledged until the visibility
    timeout hands it to the next worker; killing only the prefork pool process that runs
    the check is a lost worker, and reject_on_worker_lost requeues the message at once."""
    posts = 14
    Rule.objects.all().delete()
    moderator = ModeratorFactory(username="rulesmith")
    # Patterns with no literal to pre-filter on run over every paragraph: a slow check.
    for n in range(10):
        tried_rule_save(
            actor=moderator,
            name=f"Numbers {n}",
            kind="watched_words",
            action="flag",
            enabled=True,
            params={
                "words": ["zeppelin"] if n == 0 else [],
                "patterns": [rf"\b\d{{3}}[-.]\d{{{4 + n % 3}}}\b", rf"[a-z]{{{n + 3}}}\d{{6}}"],
            },
        )
    rng = random.Random(9)
    author = UserFactory(username="essayist", trust_level=4)
    category = CategoryFactory()
    with (
        mock.patch.object(thread_services, "_enqueue_fan_out"),
        mock.patch.object(moderation_plugs, "enqueue_check"),
    ):
        threads = [
            thread_services.thread_create(
                author=author, category=category, title=f"Essay {n}", body=_long_body(rng, 600)
            )
            for n in range(posts)
        ]
    revisions = list(
        PostRevision.objects.filter(post__in=[t.opening_post_id for t in threads]).values_list(
            "pk", flat=True
        )
    )
    assert len(revisions) == posts

    whole = killed == "the whole worker"
    first = workers.start("check-first", pool="solo" if whole else "prefork")
    for revision_id in revisions:
        check_post_revision.delay(revision_id)

    def mid_check() -> bool:
        # Some revisions checked, more than a batch (3) still to check, and a batch holding
        # its revisions: checks are fast enough that, with fewer left, the kill could come
        # after the last batch committed.
        unchecked = PostRevision.objects.filter(pk__in=revisions, checked_at__isnull=True)
        return (
            3 < unchecked.count() < posts and _check_in_progress() and workers.unacknowledged() >= 1
        )

    freeze_when(first, mid_check, timeout=120, interval=0.01)
    if whole:
        kill_process_group(first)
    else:
        (pool_process,) = psutil.Process(first.pid).children()
        os.kill(pool_process.pid, signal.SIGKILL)
        os.killpg(first.pid, signal.SIGCONT)

    checked_at_kill = PostRevision.objects.filter(
        pk__in=revisions, checked_at__isnull=False
    ).count()
    assert 0 < checked_at_kill < posts
    if whole:
        assert workers.unacknowledged() >= 1
        workers.start("check-second")
    wait_for(
        lambda: not PostRevision.objects.filter(pk__in=revisions, checked_at__isnull=True).exists(),
        timeout=180,
        interval=0.5,
    )
    time.sleep(VISIBILITY_TIMEOUT + 3)
    wait_for(lambda: workers.unacknowledged() == 0, timeout=30)

    assert ContentCheck.objects.filter(revision__in=revisions).count() == posts
    per_revision = dict(
        Verdict.objects.filter(revision__in=revisions)
        .values_list("revision")
        .annotate(n=Count("pk"))
        .values_list("revision", "n")
    )
    # Each post has one watched word in one paragraph: one verdict, stored once.
    assert per_revision == dict.fromkeys(revisions, 1)
    if not whole:
        assert "signal 9 (SIGKILL)" in workers.log.read_text()
