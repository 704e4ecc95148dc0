"""Behind a transaction-mode pooler (DATABASE_POOLER=transaction; the CI runs the
integration tests through PgBouncer so), each transaction may run on another server
session, so nothing may be left on one for the next: no prepared statement made by hand,
no server-side cursor. Straight to PostgreSQL, one connection is one session.

These tests make the pooler move this process's transactions between server sessions
(another client holds the one it just released), and run what must survive that."""

import contextlib

import pytest
from django.db import connection, transaction

from forum.accounts.models import User
from forum.threads import services as thread_services
from forum.threads.models import PostRevision
from moderation import pipeline
from moderation.models import ContentCheck, Verdict
from tests.factories import UserFactory, make_thread
from tests.moderation.conftest import watched_words_rule
from tests.pooler import (
    backend_pid,
    client_port,
    pooler_config,
    pooler_show,
    server_session_held,
    transaction_pooled,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _session() -> tuple[int, str]:
    """The server session running this statement on Django's connection, and its time
    zone."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), current_setting('TimeZone')")
        return cursor.fetchone()


def test_the_database_connection_goes_where_database_pooler_says():
    first, zone = _session()
    with server_session_held():
        second, zone_there = _session()

    # The time zone Django sets as it connects holds on any session (PgBouncer sets it
    # again on each session it hands this connection).
    assert zone == zone_there == connection.timezone_name
    if not transaction_pooled():
        assert second == first  # one connection, one server session
        return
    # Through the pooler: this connection's next transaction ran on another session...
    assert second != first
    config = pooler_config()
    assert config["pool_mode"] == "transaction"
    # ...and the pooler lists this very connection among its clients of the test database.
    ours = [row for row in pooler_show("CLIENTS") if row["port"] == client_port()]
    assert [row["database"] for row in ours] == [connection.settings_dict["NAME"]]
    # The settings keep nothing on a session: no server-side cursors, and prepared
    # statements only if the pooler keeps track of them (PgBouncer 1.21+).
    assert connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True
    if connection.settings_dict["OPTIONS"]["prepare_threshold"] is not None:
        assert int(config.get("max_prepared_statements", "0")) > 0


def _waiting(posts) -> list[int]:
    """The current revisions of `posts`, as waiting for their check (the checks that ran
    when they were written are undone)."""
    ids = [post.current_revision_id for post in posts]
    ContentCheck.objects.filter(revision_id__in=ids).delete()
    Verdict.objects.filter(revision_id__in=ids).delete()
    PostRevision.objects.filter(pk__in=ids).update(checked_at=None)
    return ids


def test_moderation_checks_run_on_whichever_server_session_each_transaction_gets(member, moderator):
    watched_words_rule(moderator, ["darn"])
    bodies = [f"Post {n} says {'darn' if n % 2 else 'nothing rude'}." for n in range(12)]
    posts = [make_thread(author=member, body=body).opening_post for body in bodies]
    sessions, outcomes = set(), []

    # One check per transaction. Each begins before another client takes the session the
    # last one ran on, and ends after it lets it go: the checks move between sessions.
    for revision_id in _waiting(posts):
        with transaction.atomic(), server_session_held():
            sessions.add(backend_pid())
            outcomes.append(pipeline.revision_check(revision_id=revision_id))
    assert outcomes == ["queued" if n % 2 else "approved" for n in range(12)]
    if transaction_pooled():
        assert len(sessions) > 1
    else:
        assert len(sessions) == 1

    # Edits, each checked after its commit against the post's earlier check.
    for n, post in enumerate(posts):
        post.refresh_from_db()
        with server_session_held():
            thread_services.post_edit(
                editor=member, post=post, body=f"{bodies[n]}\n\nAn added paragraph."
            )
    # A batch: one revision and the others waiting, taken on in one transaction.
    first, *_ = _waiting(posts)
    with server_session_held():
        assert pipeline.revision_check_with_backlog(revision_id=first, backlog=20) == "approved"

    for post in posts:
        post.refresh_from_db()
    revisions = PostRevision.objects.filter(post__in=posts)
    assert revisions.count() == 24 and not revisions.filter(checked_at__isnull=True).exists()
    current = {post.current_revision_id for post in posts}
    checks = ContentCheck.objects.filter(revision_id__in=current)
    assert sorted(checks.values_list("outcome", flat=True)) == ["approved"] * 6 + ["queued"] * 6
    flagged = Verdict.objects.filter(revision_id__in=current).values_list("post_id", flat=True)
    assert set(flagged) == {post.pk for n, post in enumerate(posts) if n % 2}


def test_a_queryset_read_in_chunks_outside_a_transaction_reads_every_row():
    members = sorted(UserFactory().pk for _ in range(5))
    read = []

    with contextlib.ExitStack() as stack:
        for user in User.objects.filter(pk__in=members).order_by("pk").iterator(chunk_size=2):
            read.append(user.pk)
            if len(read) == 1:
                # Later chunks are fetched in transactions of their own, while another
                # client holds the session the first one was read on.
                stack.enter_context(server_session_held())
    assert read == members
