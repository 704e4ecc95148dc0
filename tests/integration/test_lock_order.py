"""Replies, moderators' decisions, reports and the worker's checks on one thread at once,
through the API on real PostgreSQL: no transaction deadlocks with another, so no request
fails with a 503 and every reply is stored (forum.threads.services, "Lock order")."""

import itertools
import threading
import time

import pytest
from django.db import connection
from rest_framework.test import APIClient

from forum.threads.models import Post, PostRevision, PostState
from moderation.models import Rule
from tests.factories import ModeratorFactory, UserFactory, make_reply, make_thread
from tests.workers import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# Replies with this word are hidden by the worker's check (a flag scoring 1.0).
WATCHED = "quarantineword"
SECONDS = 5


def deadlocks() -> int:
    """Deadlocks PostgreSQL has detected in the test database. A backend reports its
    counts when it ends, so the other connections must be gone before this is read."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def database_now():
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def backends_since(started) -> list[tuple]:
    """Other connections to the test database opened since `started`: those that may
    have taken part in what the test did, and must end to report their counts. (One an
    earlier test left idle took no part, and is not waited for.)"""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name, state, left(query, 80) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend' AND backend_start >= %s",
            [started],
        )
        return cursor.fetchall()


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_replies_and_moderation_on_one_thread_at_once_never_deadlock(celery_worker_process):
    Rule.objects.create(
        name="Quarantine",
        kind="watched_words",
        action="flag",
        params={"words": [WATCHED]},
        enabled=True,
    )
    author = UserFactory(username="prolific")
    repliers = [author, *(UserFactory(username=f"replier{i}") for i in range(3))]
    moderator = ModeratorFactory(username="warden")
    reporters = [UserFactory(username=f"reporter{i}", trust_level=1) for i in range(3)]
    thread = make_thread(author=author, title="A busy thread")
    # The author's posts that moderators and reporters act on; replies go to the opening
    # post, which takes it in the reply's transaction (a foreign key checked at commit).
    targets = [
        Post.objects.get(pk=thread.opening_post_id),
        *(make_reply(thread=thread, author=author, body=f"Target {i}.") for i in range(3)),
    ]
    wait_for(lambda: not PostRevision.objects.filter(checked_at__isnull=True).exists())
    before = deadlocks()
    started = database_now()

    url = f"/api/v1/threads/{thread.pk}/posts/"
    failures: list[str] = []
    statuses: dict[str, list[int]] = {"reply": [], "moderate": [], "report": []}
    replies: list[int] = []
    deadline: list[float] = []
    start = threading.Barrier(
        len(repliers) + 1 + len(reporters),
        action=lambda: deadline.append(time.monotonic() + SECONDS),
    )

    def act(user, step) -> None:
        client = client_for(user)
        start.wait()
        try:
            for count in itertools.count():
                if time.monotonic() > deadline[0]:
                    return
                response = step(client, count)
                statuses[step.__name__].append(response.status_code)
                if response.status_code >= 500:
                    failures.append(f"{user.username}: {response.status_code} {response.content}")
        except Exception as exc:  # every failure is reported below
            failures.append(f"{user.username}: {exc!r}")
        finally:
            connection.close()

    def reply(client, count):
        body = f"Reply {count}" + (f" with {WATCHED}" if count % 4 == 3 else "")
        response = client.post(url, {"body": body}, format="json")
        if response.status_code == 201:
            replies.append(response.json()["id"])
        return response

    def moderate(client, count):
        target = targets[count % len(targets)]
        action = "hide" if count // len(targets) % 2 == 0 else "restore"
        return client.post(
            "/api/v1/moderation/actions/",
            {"action": action, "target_id": target.pk, "reason": "Checking a complaint"},
            format="json",
        )

    def report(client, count):
        # Reports from three members hide a post until a moderator decides; hidden, it
        # is a 404 to them, and each reports it once while their report is open (409).
        time.sleep(0.02)
        target = targets[count % len(targets)]
        return client.post(f"/api/v1/posts/{target.pk}/reports/", {"reason": "spam"}, format="json")

    workers = [threading.Thread(target=act, args=(user, reply)) for user in repliers]
    workers.append(threading.Thread(target=act, args=(moderator, moderate)))
    workers += [threading.Thread(target=act, args=(user, report)) for user in reporters]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wait_for(lambda: not PostRevision.objects.filter(checked_at__isnull=True).exists())

    def its_connections_closed() -> bool:
        return not backends_since(started)

    try:
        wait_for(its_connections_closed, timeout=30, interval=0.05)
    except pytest.fail.Exception:
        pytest.fail(f"still connected after 30 s: {backends_since(started)}")

    found = deadlocks() - before
    assert (found, failures) == (0, []), (
        f"{found} deadlock(s), {len(failures)} failed: {failures[:3]}"
    )
    assert set(statuses["reply"]) == {201}
    assert len(replies) >= 20
    assert set(statuses["moderate"]) == {200}
    assert set(statuses["report"]) <= {201, 404, 409, 429}
    assert 201 in statuses["report"]
    stored = Post.objects.filter(pk__in=replies)
    assert stored.count() == len(replies)
    # The worker's checks hid the replies with the watched word, as they came.
    assert not stored.filter(body_source__contains=WATCHED).exclude(state=PostState.HIDDEN)
