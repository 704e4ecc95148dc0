"""End to end through a real worker and Redis: a new member's post is held, a moderator
approves it, and only then do the thread's watchers hear of it."""

import pytest

from forum.notifications.models import Notification
from forum.threads.models import PostState
from moderation import actions
from moderation.models import ContentCheck, ReviewItem
from tests.factories import make_reply, make_thread
from tests.workers import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_held_post_notifies_watchers_only_after_approval(
    celery_worker_process, default_rules, member, other_member, newcomer, moderator
):
    thread = make_thread(author=member, title="Watched thread")
    make_reply(thread=thread, author=other_member, body="I watch this thread now.")
    wait_for(lambda: Notification.objects.filter(recipient=member).exists())

    held = make_reply(thread=thread, author=newcomer, body="A newcomer's first words.")
    assert held.state == PostState.PENDING
    item = wait_for(lambda: ReviewItem.objects.filter(post=held, state="pending").first())
    assert ContentCheck.objects.get(post=held).outcome == "queued"
    watchers = Notification.objects.filter(post=held).exclude(recipient=newcomer)
    assert not watchers.exists()
    # The author alone hears that the post is held. The worker tells them after the
    # check has committed (the decision is a domain event), so the queue item can be
    # seen a moment before their notification is written.
    told_author = wait_for(
        lambda: Notification.objects.filter(post=held, recipient=newcomer).first()
    )
    assert told_author.kind == "post_moderated"

    actions.review_item_decide(moderator=moderator, item=item, approve=True)

    def watchers_told():
        told = Notification.objects.filter(post=held).exclude(recipient=newcomer)
        return set(told.values_list("recipient__username", flat=True))

    assert wait_for(lambda: watchers_told() == {"member", "other"} or None)
    held.refresh_from_db()
    assert held.state == PostState.VISIBLE
