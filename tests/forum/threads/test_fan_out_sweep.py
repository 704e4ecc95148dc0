"""A visible post's fan-out is recorded as due until its task has run: a fan-out whose
task was lost (the broker away when the post was published) is sent again by the sweep,
and reaches every watcher exactly once."""

import datetime as dt

import pytest
from django.utils import timezone

from forum.notifications.models import Notification
from forum.threads import publishing
from forum.threads import services as thread_services
from forum.threads.models import Post, PostState
from forum.threads.tasks import fan_out_post, sweep_due_fan_outs
from moderation.services import post_make_visible
from tests.factories import UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db

GRACE = dt.timedelta(seconds=300)


@pytest.fixture
def thread(member, publish):
    return publish(make_thread, author=member)


@pytest.fixture
def broker_down(thread, monkeypatch):
    """From now on (the thread is published), enqueueing a fan-out fails, as with Redis
    away; the write itself goes through. The ids whose enqueue was lost."""
    lost = []

    def enqueue(post_id):
        lost.append(post_id)
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(thread_services, "_enqueue_fan_out", enqueue)
    return lost


def _due(post) -> dt.datetime | None:
    return Post.objects.values_list("fan_out_due_at", flat=True).get(pk=post.pk)


def _heard(user) -> int:
    return Notification.objects.filter(recipient=user).count()


def test_a_published_reply_is_due_until_its_fan_out_runs(member, other_member, thread):
    assert _due(thread.opening_post) is None  # its fan-out ran after commit

    reply = make_reply(thread=thread, author=other_member)  # after-commit work not run
    assert _due(reply) is not None

    fan_out_post(reply.pk)

    assert _due(reply) is None
    assert _heard(member) == 1


def test_a_held_reply_is_not_due_until_approved(thread, newcomer, publish):
    held = publish(make_reply, thread=thread, author=newcomer)
    assert held.state == PostState.PENDING
    assert _due(held) is None

    post_make_visible(post=held)

    assert _due(held) is not None


def test_a_lost_fan_out_is_sent_by_the_sweep_after_the_grace_period(
    member, other_member, thread, publish, broker_down, caplog, settings
):
    settings.PARLEY = {**settings.PARLEY, "FAN_OUT_GRACE_SECONDS": GRACE.total_seconds()}
    reply = publish(make_reply, thread=thread, author=other_member)
    assert broker_down == [reply.pk]
    assert "Redis is down" in caplog.text
    due = _due(reply)
    assert due is not None
    assert _heard(member) == 0

    assert publishing.fan_outs_overdue(now=due + GRACE - dt.timedelta(seconds=1)) == []
    assert _heard(member) == 0

    later = due + GRACE
    assert publishing.fan_outs_overdue(now=later) == [reply.pk]
    # Taken for another grace period: the next sweeps leave it to the task just sent.
    assert _due(reply) == later
    assert publishing.fan_outs_overdue(now=later + dt.timedelta(seconds=60)) == []


def test_the_sweep_task_fans_out_each_lost_post_once(
    member, other_member, thread, publish, broker_down
):
    replies = [publish(make_reply, thread=thread, author=other_member) for _ in range(2)]

    assert sweep_due_fan_outs() == 2

    assert [_due(reply) for reply in replies] == [None, None]
    # Two replies to the opening post collapse into one notification with a count.
    assert Notification.objects.get(recipient=member).count == 2
    assert sweep_due_fan_outs() == 0
    assert Notification.objects.get(recipient=member).count == 2


def test_a_fan_out_asked_for_again_meanwhile_stays_due(thread, other_member):
    reply = make_reply(thread=thread, author=other_member)
    first = _due(reply)
    # Hidden and published again while the first task ran: a second fan-out is due.
    again = first + dt.timedelta(seconds=5)
    Post.objects.filter(pk=reply.pk).update(fan_out_due_at=again)

    assert publishing.fan_out_done(post_id=reply.pk, due=first) is False
    assert _due(reply) == again
    assert publishing.fan_out_done(post_id=reply.pk, due=again) is True
    assert _due(reply) is None


def test_a_post_hidden_before_its_fan_out_ran_notifies_nobody_and_is_done(
    member, other_member, thread
):
    reply = make_reply(thread=thread, author=other_member)
    thread_services.post_set_state(post=reply, state=PostState.HIDDEN, reason="spam")

    assert fan_out_post(reply.pk) == 0

    assert _due(reply) is None
    assert _heard(member) == 0


def test_overdue_posts_are_taken_oldest_first_up_to_the_limit(thread, settings):
    settings.PARLEY = {**settings.PARLEY, "FAN_OUT_GRACE_SECONDS": GRACE.total_seconds()}
    writers = [UserFactory(username=f"w{n}") for n in range(3)]
    replies = [make_reply(thread=thread, author=writer) for writer in writers]
    now = timezone.now()
    for age, reply in zip((10, 30, 20), replies, strict=True):
        Post.objects.filter(pk=reply.pk).update(
            fan_out_due_at=now - GRACE - dt.timedelta(seconds=age)
        )

    assert publishing.fan_outs_overdue(now=now, limit=2) == [replies[1].pk, replies[2].pk]
    assert publishing.fan_outs_overdue(now=now, limit=2) == [replies[0].pk]


def test_a_reply_whose_thread_was_hidden_at_fan_out_is_told_once_the_thread_is_back(
    member, other_member, thread, publish
):
    reply = make_reply(thread=thread, author=other_member)  # its fan-out not yet run
    thread_services.thread_set_state(thread=thread, state=PostState.HIDDEN)

    # The thread is hidden: the reply notifies nobody, now or at the sweep, but is owed.
    assert fan_out_post(reply.pk) is False
    assert sweep_due_fan_outs() == 0
    assert _heard(member) == 0

    publish(thread_services.thread_set_state, thread=thread, state=PostState.VISIBLE)
    assert sweep_due_fan_outs() == 1

    assert _heard(member) == 1
    assert _due(reply) is None


def test_a_reply_merged_out_of_a_hidden_thread_is_told_in_its_new_one(
    member, other_member, thread, publish
):
    hidden = publish(make_thread, author=other_member, title="A second thought")
    moved = make_reply(thread=hidden, author=other_member)  # its fan-out not yet run
    thread_services.thread_set_state(thread=hidden, state=PostState.HIDDEN)
    assert fan_out_post(moved.pk) is False

    thread_services.thread_merge(source=hidden, target=thread)
    assert sweep_due_fan_outs() == 1

    # The author of the thread it joined watches that thread.
    assert Notification.objects.filter(recipient=member, post=moved).exists()
