"""Who hears of a post, as what, exactly once."""

import pytest

from forum.notifications import selectors, services
from forum.notifications.models import Notification, WatchLevel
from forum.notifications.tasks import deliver_batch, fan_out_post
from forum.threads import services as thread_services
from forum.threads.models import PostState
from tests.factories import UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Run a write and the after-commit work it queued (checks and fan-out)."""

    def run(write, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(*args, **kwargs)

    return run


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

    assert fan_out_post.apply(args=[reply.pk]).get() == 3
    assert Notification.objects.filter(kind="new_post").count() == 25
