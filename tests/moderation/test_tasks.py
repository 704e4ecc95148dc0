"""The revision check task and the sweep are safe to run any number of times."""

import datetime as dt

import pytest
from django.utils import timezone

from forum.threads.models import PostRevision
from moderation import pipeline, services
from moderation.models import ContentCheck
from moderation.tasks import check_post_revision, sweep_unchecked_revisions
from tests.factories import make_thread

pytestmark = pytest.mark.django_db


def test_check_marks_a_revision_once(member):
    revision = make_thread(author=member).opening_post.current_revision

    assert check_post_revision.apply(args=[revision.pk]).get() == "approved"
    first = PostRevision.objects.get(pk=revision.pk).checked_at
    assert check_post_revision.apply(args=[revision.pk]).get() == "already_checked"
    assert PostRevision.objects.get(pk=revision.pk).checked_at == first


def test_check_of_a_missing_revision_is_a_no_op():
    assert pipeline.revision_check(revision_id=987654) == "missing"
    assert check_post_revision.apply(args=[987654]).get() == "missing"


def test_new_posts_enqueue_their_check_after_commit(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        thread = make_thread(author=member)

    # the moderation check, the fan-out of the visible opening post, and a new generation
    # of the thread lists cached for anonymous readers
    assert len(callbacks) == 3
    assert PostRevision.objects.get(post=thread.opening_post_id).checked_at is not None


def test_nothing_is_enqueued_when_the_write_rolls_back(member, category):
    from forum.core.errors import ValidationFailed
    from forum.threads import services as thread_services

    with pytest.raises(ValidationFailed):
        thread_services.thread_create(author=member, category=category, title="", body="x")
    assert not PostRevision.objects.exists()


def test_sweep_picks_only_revisions_past_the_grace_period(member, settings):
    settings.PARLEY = {**settings.PARLEY, "UNCHECKED_REVISION_GRACE_SECONDS": 120}
    old = make_thread(author=member).opening_post.current_revision
    make_thread(author=member)  # too fresh for the sweep
    PostRevision.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=5)
    )

    assert services.unchecked_revision_ids() == [old.pk]
    assert sweep_unchecked_revisions.apply().get() == 1
    assert PostRevision.objects.get(pk=old.pk).checked_at is not None
    assert sweep_unchecked_revisions.apply().get() == 0


def test_a_check_task_also_checks_the_backlog_and_their_own_tasks_then_find_them_done(member):
    revisions = [make_thread(author=member).opening_post.current_revision for _ in range(3)]
    assert PostRevision.objects.filter(checked_at__isnull=True).count() == 3

    assert check_post_revision.apply(args=[revisions[1].pk]).get() == "approved"

    assert not PostRevision.objects.filter(checked_at__isnull=True).exists()
    assert ContentCheck.objects.filter(revision__in=revisions).count() == 3
    assert check_post_revision.apply(args=[revisions[0].pk]).get() == "already_checked"
    assert check_post_revision.apply(args=[revisions[2].pk]).get() == "already_checked"


@pytest.mark.postgresql  # SQLite has no row locks
@pytest.mark.django_db(transaction=True)
def test_a_check_task_leaves_a_revision_another_batch_holds_to_it_without_waiting(member):
    import threading

    from django.db import connection, transaction

    revision = make_thread(author=member).opening_post.current_revision
    # Its check ran in-process at commit: make it wait for one again.
    ContentCheck.objects.filter(revision=revision).delete()
    PostRevision.objects.filter(pk=revision.pk).update(checked_at=None)
    locked, release = threading.Event(), threading.Event()

    def other_batch():
        try:
            with transaction.atomic():
                PostRevision.objects.select_for_update().get(pk=revision.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=other_batch)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        assert check_post_revision.apply(args=[revision.pk]).get() == "in_progress"
        assert PostRevision.objects.get(pk=revision.pk).checked_at is None
    finally:
        release.set()
        holder.join()

    # Had that batch failed, the revision is still waiting: a later task checks it.
    assert check_post_revision.apply(args=[revision.pk]).get() == "approved"
    assert ContentCheck.objects.filter(revision=revision).count() == 1
