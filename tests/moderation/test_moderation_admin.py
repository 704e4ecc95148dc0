"""The review queue and an item's page in the admin panel."""

import pytest
from django.test import Client

from forum.threads.models import PostState
from moderation import services
from moderation.models import ModerationLogEntry, ReviewItem
from tests.factories import UserFactory, make_reply, make_thread
from tests.moderation.conftest import checked_reply, flag_cheap_pills

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(member, moderator):
    flag_cheap_pills(moderator)
    return checked_reply(
        thread=make_thread(author=member),
        author=member,
        body="First paragraph.\n\nBuy cheap pills today.",
    )


def test_moderators_see_the_queue_with_counts_and_filters(mod_client, flagged):
    page = mod_client.get("/admin/moderation/reviewitem/?reason=rule&state__exact=pending")

    assert page.status_code == 200
    text = page.content.decode()
    assert "1 pending" in text and "A rule fired: 1" in text
    assert f"Post {flagged.pk} in" in text


def test_the_item_page_shows_the_evidence_marked_and_decides(mod_client, flagged):
    item = ReviewItem.objects.get(post=flagged)

    page = mod_client.get(f"/admin/moderation/reviewitem/{item.pk}/change/")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="evidence-1"' in text and ">cheap pills</mark> today.</p>" in text
    assert "No spam" in text

    done = mod_client.post(
        f"/admin/moderation/reviewitem/{item.pk}/decide/", {"action": "remove", "reason": "Spam"}
    )
    assert done.status_code == 302
    flagged.refresh_from_db()
    assert flagged.state == PostState.REMOVED
    assert ModerationLogEntry.objects.filter(action="remove", target_id=flagged.pk).exists()


def test_a_refused_decision_says_why_and_changes_nothing(mod_client, flagged):
    item = ReviewItem.objects.get(post=flagged)

    response = mod_client.post(
        f"/admin/moderation/reviewitem/{item.pk}/decide/",
        {"action": "remove", "reason": ""},
        follow=True,
    )

    assert "Say why" in response.content.decode()
    flagged.refresh_from_db()
    assert flagged.state != PostState.REMOVED


def test_members_cannot_open_the_queue(member):
    client = Client()
    client.force_login(member)

    assert client.get("/admin/moderation/reviewitem/").status_code == 302  # to the login


def test_bulk_approve_logs_each_item(mod_client, member, newcomer):
    thread = make_thread(author=member)
    posts = [
        make_reply(thread=thread, author=UserFactory(username=f"n{i}", trust_level=0))
        for i in range(3)
    ]
    items = [services.review_item_open(post=p, reason="premoderation") for p in posts]

    mod_client.post(
        "/admin/moderation/reviewitem/",
        {
            "action": "approve_items",
            "_selected_action": [i.pk for i in items],
        },
    )

    assert ModerationLogEntry.objects.filter(action="approve").count() == 3
    assert all(p.state == PostState.VISIBLE for p in [type(p).objects.get(pk=p.pk) for p in posts])


def test_moderators_reach_the_log_and_rules_but_not_admin_only_screens(mod_client):
    assert mod_client.get("/admin/moderation/moderationlogentry/").status_code == 200
    assert mod_client.get("/admin/moderation/rule/").status_code == 200
    # Members are looked up by moderators (trust, sanctions, posts) but changed by admins.
    assert mod_client.get("/admin/accounts/user/").status_code == 200
    assert mod_client.get("/admin/accounts/user/add/").status_code == 403
    assert mod_client.get("/admin/threads/category/").status_code == 403
    assert mod_client.get("/admin/moderation/moderationlogentry/add/").status_code == 403
