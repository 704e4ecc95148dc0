"""Every notification kind flows end to end through a real worker and Redis."""

import pytest

from forum.notifications.models import Notification, WatchLevel
from forum.notifications.services import watch_set
from moderation import actions
from moderation import services as moderation_services
from tests.factories import UserFactory, make_reply, make_thread
from tests.workers import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def kinds(user) -> set[str]:
    return set(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_all_kinds_through_the_worker(
    celery_worker_process, member, other_member, moderator, category
):
    category_watcher = UserFactory(username="catwatch")
    watch_set(user=category_watcher, category=category, level=WatchLevel.WATCHING)
    thread = make_thread(author=member, category=category, title="Kinds thread")
    wait_for(lambda: "new_thread" in kinds(category_watcher) or None)

    first = make_reply(thread=thread, author=other_member, body="A point worth quoting.")
    wait_for(lambda: "reply" in kinds(member) or None)
    mentioned = UserFactory(username="named")
    make_reply(
        thread=thread,
        author=UserFactory(username="writer"),
        body=f'[quote="other, post:{first.pk}"]\nA point worth quoting.\n[/quote]\n\n@named hi',
    )
    wait_for(lambda: "mention" in kinds(mentioned) or None)
    wait_for(lambda: "quote" in kinds(other_member) or None)

    moderation_services.report_file(reporter=mentioned, post=first, reason="spam")
    actions.perform("remove", actor=moderator, target=first, reason="Spam after all")
    assert "post_moderated" in kinds(other_member)
    assert "report_resolved" in kinds(mentioned)
