"""Who hears of a post, as what, exactly once."""

import pytest

from forum.notifications import selectors, services, subscribers
from forum.notifications.models import Notification, WatchLevel
from forum.notifications.tasks import deliver_batch
from forum.threads import services as thread_services
from forum.threads.models import Post, PostState
from forum.threads.tasks import fan_out_post
from tests.factories import UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


def kinds_for(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", "count"))


def test_thread_author_watches_and_hears_of_replies_collapsed_into_one(publish, member):
    thread = publish(make_thread, author=member)
    for name in ("a", "b", "c"):
        publish(make_reply, thread=thread, author=UserFactory(username=name), parent=None)

    # Replies to the opening post are replies to its author: one collapsed notification.
    assert kinds_for(member) == [("reply", 3)]
    notification = Notification.objects.get(recipient=member)
    assert selectors.describe(notification) == f"3 replies to you in “{thread.title}”"
    assert selectors.unread_count(user=member) == 1


def test_reading_starts_a_new_collapsed_notification(publish, member, other_member):
    thread = publish(make_thread, author=member)
    publish(make_reply, thread=thread, author=other_member)
    services.notifications_mark_read(user=member)

    publish(make_reply, thread=thread, author=other_member)

    rows = Notification.objects.filter(recipient=member).order_by("pk")
    assert [(n.count, n.read_at is None) for n in rows] == [(1, False), (1, True)]


def test_watchers_get_new_posts_and_repliers_start_watching(publish, member, other_member):
    thread = publish(make_thread, author=member)
    publish(make_reply, thread=thread, author=other_member)
    third = UserFactory(username="third")

    publish(make_reply, thread=thread, author=third)

    assert kinds_for(other_member) == [("new_post", 1)]
    assert kinds_for(third) == []


def test_mentions_quotes_and_priorities(publish, member, other_member):
    thread = publish(make_thread, author=member)
    quoted = publish(make_reply, thread=thread, author=other_member, body="Original point")
    mentioned = UserFactory(username="Named")
    body = (
        f'[quote="{other_member.username}, post:{quoted.pk}"]\nOriginal point\n[/quote]'
        "\n\n@named see this"
    )

    publish(make_reply, thread=thread, author=UserFactory(username="writer"), body=body)

    assert kinds_for(mentioned) == [("mention", 1)]
    assert kinds_for(other_member) == [("quote", 1)]
    assert kinds_for(member) == [("reply", 2)]


def test_muted_thread_hears_nothing_not_even_mentions(publish, member, other_member):
    thread = publish(make_thread, author=member)
    services.watch_set(user=other_member, thread=thread, level=WatchLevel.MUTED)

    publish(make_reply, thread=thread, author=member, body=f"@{other_member.username} hello")

    assert kinds_for(other_member) == []


def test_the_actor_is_never_notified_of_their_own_post(publish, member):
    thread = publish(make_thread, author=member)

    publish(make_reply, thread=thread, author=member, body=f"@{member.username} note to self")

    assert kinds_for(member) == []


def test_category_watchers_hear_of_new_threads(publish, member, other_member, category):
    services.watch_set(user=other_member, category=category, level=WatchLevel.WATCHING)

    publish(make_thread, author=member, category=category)

    assert kinds_for(other_member) == [("new_thread", 1)]


def test_a_pending_post_notifies_nobody_until_approved(publish, member, newcomer):
    thread = publish(make_thread, author=member)

    reply = publish(make_reply, thread=thread, author=newcomer, body="My first reply")
    assert reply.state == PostState.PENDING
    assert kinds_for(member) == []

    publish(thread_services.post_set_state, post=reply, state=PostState.VISIBLE)
    assert kinds_for(member) == [("reply", 1)]


def test_fan_out_and_batches_are_safe_to_run_twice(publish, member, other_member):
    thread = publish(make_thread, author=member)
    reply = publish(make_reply, thread=thread, author=other_member)

    fan_out_post.apply(args=[reply.pk])
    assert deliver_batch.apply(args=[reply.pk, "reply", [member.pk]]).get() == 0
    assert services.deliver_batch(post=reply, kind="reply", recipient_ids=[member.pk]) == 0

    assert kinds_for(member) == [("reply", 1)]


def test_hidden_after_fan_out_disappears_from_the_inbox(publish, member, other_member):
    thread = publish(make_thread, author=member)
    reply = publish(make_reply, thread=thread, author=other_member, body="spam spam")
    assert selectors.unread_count(user=member) == 1

    thread_services.post_set_state(post=reply, state=PostState.HIDDEN, reason="spam")

    assert selectors.unread_count(user=member) == 0
    assert list(selectors.inbox(user=member)) == []


def test_big_fan_out_is_split_into_batches(publish, member, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 10)
    thread = publish(make_thread, author=member)
    watchers = UserFactory.create_batch(25)
    for watcher in watchers:
        services.watch_set(user=watcher, thread=thread, level=WatchLevel.WATCHING)

    reply = publish(make_reply, thread=thread, author=member)

    assert (
        subscribers.fan_out(Post.objects.select_related("thread", "parent").get(pk=reply.pk)) == 3
    )
    assert fan_out_post.apply(args=[reply.pk]).get() is True
    assert Notification.objects.filter(kind="new_post").count() == 25


def test_tracking_and_normal_levels_hear_only_what_is_addressed_to_them(publish, member):
    thread = publish(make_thread, author=member)
    tracker, normal = UserFactory(username="tracker"), UserFactory(username="normal")
    services.watch_set(user=tracker, thread=thread, level=WatchLevel.TRACKING)
    services.watch_set(user=normal, thread=thread, level=WatchLevel.NORMAL)

    publish(make_reply, thread=thread, author=member, body="General news")
    assert kinds_for(tracker) == [] and kinds_for(normal) == []

    publish(make_reply, thread=thread, author=member, body="@normal and @tracker, look")
    assert kinds_for(tracker) == [("mention", 1)] and kinds_for(normal) == [("mention", 1)]


def test_a_batch_cut_short_by_a_crash_loses_nothing_on_retry(publish, member, monkeypatch):
    from django.db import connection

    thread = publish(make_thread, author=member)
    watchers = UserFactory.create_batch(5)
    for watcher in watchers:
        services.watch_set(user=watcher, thread=thread, level=WatchLevel.WATCHING)
    with _no_fan_out(monkeypatch):
        reply = publish(make_reply, thread=thread, author=member)

    real_cursor = connection.cursor
    calls = {"n": 0}

    def crash_after_deliveries(*args, **kwargs):
        cursor = real_cursor(*args, **kwargs)
        original = cursor.execute

        def execute(sql, params=None):
            if "notifications_notification" in sql:
                raise RuntimeError("worker killed mid-batch")
            return original(sql, params)

        cursor.execute = execute
        calls["n"] += 1
        return cursor

    monkeypatch.setattr(connection, "cursor", crash_after_deliveries)
    with pytest.raises(RuntimeError):
        services.deliver_batch(post=reply, kind="new_post", recipient_ids=[w.pk for w in watchers])
    monkeypatch.undo()
    assert Notification.objects.filter(post=reply).count() == 0

    assert (
        services.deliver_batch(post=reply, kind="new_post", recipient_ids=[w.pk for w in watchers])
        == 5
    )
    assert Notification.objects.filter(post=reply).count() == 5


class _no_fan_out:
    """Within the block, visible posts enqueue no fan-out (the test runs it by hand)."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch

    def __enter__(self):
        self.monkeypatch.setattr("forum.threads.services._enqueue_fan_out", lambda post_id: None)

    def __exit__(self, *exc):
        self.monkeypatch.undo()


def test_authors_and_reporters_hear_moderation_outcomes(member, other_member, moderator, publish):
    from moderation import actions
    from moderation import services as moderation_services

    post = make_reply(thread=make_thread(author=member), author=member, body="Hot take")
    moderation_services.report_file(reporter=other_member, post=post, reason="abuse")

    # Who hears of a decision is told once it has committed.
    publish(actions.perform, "remove", actor=moderator, target=post, reason="Abusive")

    assert kinds_for(member) == [("post_moderated", 1)]
    assert kinds_for(other_member) == [("report_resolved", 1)]
    # The author still sees the decision although the post is no longer visible.
    assert selectors.unread_count(user=member) == 1
