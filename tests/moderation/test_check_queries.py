"""The check's written-out statements read and write what the ORM would."""

import datetime as dt
from contextlib import contextmanager

import pytest
from django.utils import timezone

from forum.threads import services as thread_services
from moderation import check_queries, pipeline
from moderation.models import ContentCheck, ContentFingerprint
from tests.factories import make_thread
from tests.moderation.conftest import tried_rule_save, watched_words_rule

pytestmark = pytest.mark.django_db


def test_the_rules_key_changes_with_every_rule_change_and_only_then(moderator):
    empty = check_queries.enabled_rules_key()
    rule = watched_words_rule(moderator, ["alpha"])
    one = check_queries.enabled_rules_key()
    tried_rule_save(
        actor=moderator,
        rule=rule,
        name="words",
        kind="watched_words",
        params={"words": ["beta"]},
        action="flag",
        enabled=True,
    )
    edited = check_queries.enabled_rules_key()

    assert len({empty, one, edited}) == 3
    assert check_queries.enabled_rules_key() == edited
    # Read along with the revisions to check, the key is the same.
    waiting = make_thread(author=moderator).opening_post.current_revision_id
    assert check_queries.revisions_for_check([waiting]).rules_key == edited


def test_the_read_for_a_check_gives_the_waiting_revisions_and_each_edits_latest_check(
    member, moderator
):
    watched_words_rule(moderator, ["zebra"])
    post = make_thread(author=member, body="A zebra.\n\nPlain.").opening_post
    first = post.current_revision_id
    # A new post has no earlier check.
    assert check_queries.revisions_for_check([first]).previous == {}
    pipeline.revision_check(revision_id=first)
    second = thread_services.post_edit(editor=member, post=post, body="A zebra.\n\nNew.")
    pipeline.revision_check(revision_id=second.pk)
    third = thread_services.post_edit(editor=member, post=post, body="Only this.")
    other = make_thread(author=member, body="Another post.").opening_post

    reads = check_queries.revisions_for_check([other.current_revision_id, first, third.pk])

    # Oldest first, and only those still waiting for their check.
    assert [r.pk for r in reads.revisions] == [third.pk, other.current_revision_id]
    assert reads.revisions[0].post.thread.category_id == post.thread.category_id
    assert reads.revisions[1].post.author.trust_level == member.trust_level
    assert set(reads.previous) == {post.pk}
    stored = ContentCheck.objects.get(revision=second)
    previous = reads.previous[post.pk]
    assert previous.revision_id == second.pk
    assert previous.paragraph_fingerprints == stored.paragraph_fingerprints
    assert previous.layout == stored.layout and previous.layout
    assert (previous.text_hash, previous.signature) == (stored.text_hash, stored.signature)
    assert previous.rule_versions == stored.rule_versions
    # The zebra's verdict is a paragraph verdict an edit can carry over.
    assert previous.has_paragraph_verdicts


def test_a_backlog_adds_the_oldest_other_waiting_revisions(member):
    posts = [make_thread(author=member, body=f"Post {n}.").opening_post for n in range(4)]
    pipeline.revision_check(revision_id=posts[0].current_revision_id)
    given = posts[3].current_revision_id

    reads = check_queries.revisions_for_check([given], backlog=1, lock=True, wait=False)

    assert [r.pk for r in reads.revisions] == [posts[1].current_revision_id, given]
    with pytest.raises(ValueError, match="backlog"):
        check_queries.revisions_for_check([given], backlog=1, lock=True, wait=True)


def test_revision_states_tell_checked_waiting_and_missing_apart(member):
    posts = [make_thread(author=member, body=f"Post {n}.").opening_post for n in range(2)]
    pipeline.revision_check(revision_id=posts[0].current_revision_id)
    checked, waiting = (p.current_revision_id for p in posts)

    assert check_queries.revision_states([checked, waiting, 0]) == {
        checked: "already_checked",
        waiting: "waiting",
        0: "missing",
    }


def test_batch_history_gives_aware_times_and_the_newest_check_first(member, moderator):
    watched_words_rule(moderator, ["zebra"])
    posts = [make_thread(author=member, body=f"Post {n}.").opening_post for n in range(3)]
    for post in posts:
        pipeline.revision_check(revision_id=post.current_revision_id)
    now = timezone.now()
    ContentCheck.objects.filter(post=posts[0]).update(created_at=now - dt.timedelta(hours=2))

    times, hashes, bands = check_queries.batch_history(
        author_ids=[member.pk],
        posts_since=now - dt.timedelta(hours=1),
        checks_since=now - dt.timedelta(days=1),
        band_keys=[],
        bands_since=now,
    )

    assert bands == []
    assert sorted(post_id for _, post_id, _ in times) == sorted(p.pk for p in posts)
    assert all(timezone.is_aware(created) for _, _, created in times)
    assert [post_id for _, post_id, _ in hashes][-1] == posts[0].pk
    assert {h for _, _, h in hashes} == set(
        ContentCheck.objects.filter(post__in=posts).values_list("text_hash", flat=True)
    )


def _near_duplicate_rule(moderator) -> None:
    tried_rule_save(
        actor=moderator,
        name="copies",
        kind="near_duplicate",
        params={"threshold": 0.8, "min_words": 5},
        action="flag",
        enabled=True,
    )


def test_fingerprints_are_replaced_for_edited_posts_and_read_with_the_history(member, moderator):
    _near_duplicate_rule(moderator)
    text = " ".join(f"word{n} in a long enough text" for n in range(20))
    post = make_thread(author=member, body=text).opening_post
    pipeline.revision_check(revision_id=post.current_revision_id)
    keys = set(ContentFingerprint.objects.filter(post=post).values_list("band_key", flat=True))
    # An edit of most of the text replaces the post's fingerprints.
    edit = thread_services.post_edit(editor=member, post=post, body="Something else entirely.")
    pipeline.revision_check(revision_id=edit.pk)

    new_keys = set(ContentFingerprint.objects.filter(post=post).values_list("band_key", flat=True))
    assert len(keys) == 16 and len(new_keys) == 16 and not keys & new_keys
    day_ago = timezone.now() - dt.timedelta(days=1)
    times, hashes, found = check_queries.batch_history(
        author_ids=[member.pk],
        posts_since=day_ago,
        checks_since=day_ago,
        band_keys=new_keys,
        bands_since=day_ago,
    )
    assert [post_id for _, post_id, _ in times] == [post.pk]
    assert [post_id for _, post_id, _ in hashes] == [post.pk, post.pk]
    assert {key for key, _ in found} == new_keys and {p for _, p in found} == {post.pk}
    assert check_queries.latest_signatures([post.pk]) == {
        post.pk: tuple(ContentCheck.objects.get(revision=edit).signature)
    }


def test_a_new_posts_check_and_fingerprints_are_stored_in_one_statement_on_postgresql(
    member, moderator
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _near_duplicate_rule(moderator)
    post = make_thread(author=member, body="Some words long enough to be compared.").opening_post

    with CaptureQueriesContext(connection) as queries:
        pipeline.revision_check(revision_id=post.current_revision_id)

    statements = [q["sql"] for q in queries.captured_queries]
    stores = [sql for sql in statements if "INSERT INTO moderation_contentcheck" in sql]
    fingerprints = [sql for sql in statements if "INSERT INTO moderation_contentfingerprint" in sql]
    assert ContentCheck.objects.filter(post=post).count() == 1
    assert ContentFingerprint.objects.filter(post=post).count() == 16
    assert len(stores) == len(fingerprints) == 1
    # On PostgreSQL the check and its fingerprints are one statement; elsewhere, two.
    assert (stores == fingerprints) == (connection.vendor == "postgresql")


@contextmanager
def _waiting_behind_a_holder(revision_id: int, waiter, *, then):
    """Hold the revision's row lock in a transaction of another connection, run
    `waiter` in a third, and enter once it waits for that lock; on leaving, the holder
    runs `then` and ends its transaction, and both threads are joined."""
    import threading
    import time

    from django.db import connection, transaction

    from forum.threads.models import PostRevision

    locked, release = threading.Event(), threading.Event()

    def holder():
        try:
            with transaction.atomic():
                PostRevision.objects.select_for_update().get(pk=revision_id)
                locked.set()
                release.wait(timeout=30)
                then()
        finally:
            connection.close()

    def waiting():
        try:
            waiter()
        finally:
            connection.close()

    def waits() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE %s",
                ["%FOR UPDATE%"],
            )
            return cursor.fetchone()[0] > 0

    threads = [threading.Thread(target=holder), threading.Thread(target=waiting)]
    threads[0].start()
    assert locked.wait(timeout=10)
    threads[1].start()
    try:
        deadline = time.monotonic() + 10
        while not waits():
            assert time.monotonic() < deadline, "nothing waited for the lock"
            time.sleep(0.05)
        yield
    finally:
        release.set()
        for thread in threads:
            thread.join()


def _waiting_posts(author, *bodies: str) -> list:
    """New threads' opening posts whose revisions wait for their check. Made in a test
    that commits, their checks ran at once: they are undone here."""
    from forum.threads.models import PostRevision

    posts = [make_thread(author=author, body=body).opening_post for body in bodies]
    ContentCheck.objects.filter(post__in=posts).delete()
    PostRevision.objects.filter(post__in=posts).update(checked_at=None)
    for post in posts:
        post.refresh_from_db()
    return posts


def _prepared_statements() -> list[str]:
    """The statements prepared in this connection's session on the server."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


@pytest.mark.postgresql  # prepared statements are PostgreSQL's
@pytest.mark.django_db(transaction=True)
def test_the_check_read_is_prepared_once_per_connection_unless_the_settings_say_not(member):
    from django.db import connection

    if connection.settings_dict["OPTIONS"].get("prepare_threshold") is None:
        # Behind a transaction-mode pooler, psycopg must prepare nothing.
        posts = _waiting_posts(member, *(f"Post {n}." for n in range(3)))
        for post in posts:
            assert pipeline.revision_check(revision_id=post.current_revision_id) == "approved"
        assert _prepared_statements() == []
        return
    posts = _waiting_posts(member, *(f"Post {n}." for n in range(3)))
    connection.close()
    for post in posts:
        assert pipeline.revision_check(revision_id=post.current_revision_id) == "approved"
    reads = [sql for sql in _prepared_statements() if "FROM (SELECT COUNT(id) AS rules" in sql]
    assert len(reads) == 1, reads

    # With preparing off, as the settings have it behind a transaction-mode pooler, the
    # read runs all the same and nothing is left on the server.
    connection.close()
    connection.ensure_connection()
    connection.connection.prepare_threshold = None
    try:
        (post,) = _waiting_posts(member, "One more post.")
        assert pipeline.revision_check(revision_id=post.current_revision_id) == "approved"
        assert _prepared_statements() == []
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_the_check_read_runs_after_a_rolled_back_transaction_and_on_a_new_connection(member):
    from django.db import connection, transaction

    posts = _waiting_posts(member, "Post 0.", "Post 1.", "Post 2.")

    # First prepared (on PostgreSQL) inside a transaction that is rolled back, which
    # makes psycopg drop its prepared statements...
    with transaction.atomic():
        assert pipeline.revision_check(revision_id=posts[0].current_revision_id) == "approved"
        transaction.set_rollback(True)
    # ...so the next check prepares it again, and the first is undone.
    assert pipeline.revision_check(revision_id=posts[1].current_revision_id) == "approved"
    assert not ContentCheck.objects.filter(post=posts[0]).exists()
    # A new connection prepares it again.
    connection.close()
    assert pipeline.revision_check(revision_id=posts[2].current_revision_id) == "approved"
    assert pipeline.revision_check(revision_id=posts[0].current_revision_id) == "approved"
    assert ContentCheck.objects.filter(post__in=posts).count() == 3


@pytest.mark.postgresql  # prepared statements are PostgreSQL's
@pytest.mark.django_db(transaction=True)
def test_a_prepared_read_dropped_behind_psycopgs_back_is_prepared_again_on_the_next_try(member):
    from django.db import DatabaseError, connection

    posts = _waiting_posts(member, "Post 0.", "Post 1.")
    first, second = (post.current_revision_id for post in posts)
    assert pipeline.revision_check(revision_id=first) == "approved"
    if not _prepared_statements():
        pytest.skip("the settings turn prepared statements off")
    # Dropped without psycopg seeing it, as a pooler resetting the server session would.
    connection.connection.pgconn.exec_(b"DEALLOCATE ALL")

    with pytest.raises(DatabaseError, match="does not exist"):
        pipeline.revision_check(revision_id=second)
    # As a task's retry would: the failed check rolled back, psycopg dropped its record
    # of the statements, and the read is prepared again.
    assert pipeline.revision_check(revision_id=second) == "approved"


@pytest.mark.postgresql  # prepared statements are PostgreSQL's
@pytest.mark.django_db(transaction=True)
def test_a_prepared_read_a_migration_made_invalid_is_prepared_again_on_the_next_try(member):
    import threading

    from django.db import DatabaseError, connection

    posts = _waiting_posts(member, "Post 0.", "Post 1.")
    first, second = (post.current_revision_id for post in posts)
    assert pipeline.revision_check(revision_id=first) == "approved"
    if not _prepared_statements():
        pytest.skip("the settings turn prepared statements off")

    def migrate(length: int) -> None:  # as a deploy's migration, from another process
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"ALTER TABLE threads_thread ALTER COLUMN title TYPE varchar({length})"
                )
        finally:
            connection.close()

    def in_another_connection(length: int) -> None:
        migration = threading.Thread(target=migrate, args=(length,))
        migration.start()
        migration.join()

    in_another_connection(250)
    try:
        with pytest.raises(DatabaseError, match="result type"):
            pipeline.revision_check(revision_id=second)
        # The task's retry, on the same connection.
        assert pipeline.revision_check(revision_id=second) == "approved"
    finally:
        in_another_connection(200)


@pytest.mark.postgresql  # row locks are PostgreSQL's
@pytest.mark.django_db(transaction=True)
def test_a_free_revision_is_locked_by_the_read_itself_and_held_until_the_end(member):
    import threading

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    (post,) = _waiting_posts(member, "A post.")
    revision = post.current_revision_id
    seen = {}

    def other_worker():  # another connection's probe, as a check task makes it
        try:
            seen.update(check_queries.revision_states([revision]))
        finally:
            connection.close()

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        reads = check_queries.revisions_for_check([revision], lock=True)
        probe = threading.Thread(target=other_worker)
        probe.start()
        probe.join()

    assert [r.pk for r in reads.revisions] == [revision]
    assert seen == {revision: "in_progress"}
    # One statement took the lock and read: no separate waiting lock for a free row.
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    assert statements == ["SELECT"]
    assert check_queries.revision_states([revision]) == {revision: "waiting"}


@pytest.mark.postgresql  # row locks are PostgreSQL's
@pytest.mark.django_db(transaction=True)
def test_a_check_that_waited_for_its_revision_judges_the_post_as_it_is_after_the_wait(
    member, moderator
):
    from django.db import transaction

    watched_words_rule(moderator, ["darn"], action="censor")
    (post,) = _waiting_posts(member, "Well, darn it.")
    old, result = post.current_revision_id, {}

    def checker():
        result["old"] = pipeline.revision_check(revision_id=old)

    # A batch holding the revision, which then fails and rolls back.
    with _waiting_behind_a_holder(old, checker, then=lambda: transaction.set_rollback(True)):
        # While the check waits, the author edits the post (its own check runs at commit).
        new = thread_services.post_edit(editor=member, post=post, body="All clean now.")

    post.refresh_from_db()
    assert post.current_revision_id == new.pk
    # The old text is no longer the post's: its check must not judge (and censor) the post.
    assert (result["old"], post.body_html) == ("stale", new.body_html)


@pytest.mark.postgresql  # row locks are PostgreSQL's
@pytest.mark.django_db(transaction=True)
def test_a_revision_checked_by_the_transaction_it_waited_for_or_before_is_not_read(member):
    from django.db import transaction

    from forum.threads.models import PostRevision

    held, checked = _waiting_posts(member, "Held by another batch.", "Checked already.")
    held, checked = held.current_revision_id, checked.current_revision_id
    PostRevision.objects.filter(pk=checked).update(checked_at=timezone.now())
    reads = {}

    def reader():
        with transaction.atomic():
            reads["held"] = check_queries.revisions_for_check([held], lock=True)

    # A batch that checks the revision and commits.
    with _waiting_behind_a_holder(
        held,
        reader,
        then=lambda: PostRevision.objects.filter(pk=held).update(checked_at=timezone.now()),
    ):
        pass  # the read waits for the holder, which checks the revision meanwhile

    assert reads["held"].revisions == [] and reads["held"].rules_key is None
    # A checked revision no one holds is read without waiting, and left out.
    with transaction.atomic():
        assert check_queries.revisions_for_check([checked], lock=True).revisions == []
        assert check_queries.revisions_for_check([10**9], lock=True).revisions == []
    assert pipeline.revision_check(revision_id=checked) == "already_checked"
