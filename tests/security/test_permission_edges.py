"""The edges of the permission model and of the events that carry its decisions: what a
category moderator may not learn of sanctions, a hidden opening post's title, threads
split from held posts, events told again after a failure, moderators' deliveries
re-scoped before each attempt, whole threads taken down, and bad input to the moderator
actions answered with a 4xx."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import OperationalError
from rest_framework.test import APIClient

from forum.accounts.models import CategoryModerator
from forum.core import permissions
from forum.core.tasks import dispatch_overdue_events
from forum.notifications.models import Notification
from forum.threads.models import PostState
from forum.threads.services import thread_merge
from forum.webhooks import services as webhook_services
from forum.webhooks import subscribers as webhook_subscribers
from forum.webhooks.models import Webhook, WebhookDelivery
from forum.webhooks.signing import secret_generate
from moderation import actions
from moderation.models import ReviewItem
from moderation.services import report_file, review_item_open, sanction_impose
from tests.factories import CategoryFactory, ModeratorFactory, UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)


def api_as(user) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


@pytest.fixture
def games_moderator(db):
    """A moderator of "games" only: no sanctions are theirs to see."""
    games = CategoryFactory(slug="games", name="Games")
    mod = ModeratorFactory(username="gamesmod")
    CategoryModerator.objects.create(moderator=mod, category=games)
    return {"mod": mod, "games": games}


def _hook(owner, events) -> Webhook:
    return Webhook.objects.create(
        owner=owner, url="https://hooks.example.com/x", events=events, secret=secret_generate()
    )


# --- what a category moderator may not learn of sanctions ----------------------------------


def test_review_item_page_does_not_tell_a_category_moderator_the_authors_sanctions(
    client, admin_user, games_moderator
):
    """Sanctions belong to no category: the review item page tells who is under one only
    to moderators of the whole forum."""
    author = UserFactory(username="writer")
    post = make_reply(thread=make_thread(category=games_moderator["games"]), author=author)
    item = review_item_open(post=post, reason=ReviewItem.Reason.RULE)
    sanction_impose(actor=admin_user, user=author, kind="silence", reason="Harassment")
    client.force_login(games_moderator["mod"])

    page = client.get(f"/admin/moderation/reviewitem/{item.pk}/change/")

    assert page.status_code == 200
    assert "Sanctioned now" not in page.content.decode()


def test_member_list_does_not_let_a_category_moderator_find_sanctioned_members(
    client, admin_user, games_moderator
):
    """Nor does the member list let a category moderator find sanctioned members."""
    silenced = UserFactory(username="quietone")
    UserFactory(username="chattyone")
    sanction_impose(actor=admin_user, user=silenced, kind="silence", reason="Harassment")
    client.force_login(games_moderator["mod"])
    everyone = client.get("/admin/accounts/user/").content.decode()
    assert "quietone" in everyone and "chattyone" in everyone

    listed = client.get("/admin/accounts/user/?sanctioned=yes").content.decode()

    found_by_sanction = "quietone" in listed and "chattyone" not in listed
    assert not found_by_sanction


# --- a hidden opening post's title -----------------


def test_the_author_of_a_hidden_opening_post_cannot_republish_through_the_title(moderator, member):
    """The thread stays listed while its opening post is hidden; its title, which every
    list, feed and search shows, is then the moderators' to change, not the author's."""
    thread = make_thread(author=member, title="An innocent title")
    actions.perform("hide", actor=moderator, target=thread.opening_post, reason="Abusive")

    refused = api_as(member).patch(
        f"/api/v1/posts/{thread.opening_post_id}/",
        {"body": "Opening.", "title": "The abuse, now in the title"},
        format="json",
    )

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "post_under_review"

    public = APIClient().get("/api/v1/threads/").json()["results"]
    assert [row["title"] for row in public] == ["An innocent title"]


# --- a thread split from a hidden post -----------------------


def test_a_thread_split_from_a_hidden_post_comes_back_when_the_post_is_restored(admin_user, member):
    """A post split out while hidden makes a thread that stands or falls with it."""
    thread = make_thread(author=member)
    reply = make_reply(thread=thread, author=member, body="Worth a thread of its own")
    actions.perform("hide", actor=admin_user, target=reply, reason="Checking")
    actions.perform("split", actor=admin_user, target=reply, reason="Own topic", title="Split")
    reply.refresh_from_db()

    actions.perform("restore", actor=admin_user, target=reply, reason="Fine after all")

    reply.refresh_from_db()
    assert reply.state == PostState.VISIBLE
    assert permissions.can_view_thread(AnonymousUser(), reply.thread)


# --- events told again after a failure ------------------


def test_a_removal_webhooks_missed_once_is_announced_by_the_sweep(
    publish, monkeypatch, moderator, member
):
    """A take-down is a durable event: stored with the decision, it stays when telling
    its subscribers fails (or the process is lost after the commit), and the sweep tells
    it again."""
    integrator = UserFactory(username="integrator")
    hook = _hook(integrator, ["post.removed"])
    monkeypatch.setattr(webhook_services, "_after_commit_deliver", lambda ids: None)
    real = webhook_subscribers.webhook_event
    calls = {"n": 0}

    def flaky(**kwargs):
        if kwargs["event"] == "post.removed" and not calls["n"]:
            calls["n"] += 1
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(webhook_subscribers, "webhook_event", flaky)
    thread = publish(make_thread, author=member)
    reply = publish(make_reply, thread=thread, author=member, body="Seen by everyone")

    publish(actions.perform, "remove", actor=moderator, target=reply, reason="Abuse")
    assert not WebhookDelivery.objects.filter(webhook=hook, event="post.removed").exists()

    assert dispatch_overdue_events.apply().get() == 1
    assert WebhookDelivery.objects.filter(webhook=hook, event="post.removed").exists()


# --- moderators' deliveries are re-scoped before each attempt ---------------


def test_a_report_delivery_is_not_sent_after_its_owner_stops_moderating_the_category(
    publish, monkeypatch, games_moderator, member, other_member
):
    """A delivery keeps the category its event is about, and before each attempt its
    owner is asked again whether they moderate it."""
    monkeypatch.setattr(webhook_services, "_after_commit_deliver", lambda ids: None)
    mod, games = games_moderator["mod"], games_moderator["games"]
    hook = _hook(mod, ["report.filed"])
    post = make_thread(category=games, author=member).opening_post
    publish(report_file, reporter=other_member, post=post, reason="spam")
    delivery = WebhookDelivery.objects.get(webhook=hook, event="report.filed")

    CategoryModerator.objects.filter(moderator=mod).delete()
    CategoryModerator.objects.create(moderator=mod, category=CategoryFactory(slug="news"))
    delivery = WebhookDelivery.objects.select_related("webhook__owner").get(pk=delivery.pk)

    assert webhook_services._why_undeliverable(delivery) != ""


# --- a whole thread taken down ------------------------------------------


def test_removing_a_whole_public_thread_is_announced_to_members_webhooks(
    publish, monkeypatch, moderator, member
):
    """Taking a public thread down takes every post of it out of view: members' webhooks
    hear of it (thread.removed) so mirrors and search indexes drop it too, and its author
    hears of the decision."""
    monkeypatch.setattr(webhook_services, "_after_commit_deliver", lambda ids: None)
    hook = _hook(UserFactory(username="integrator"), ["thread.hidden", "thread.removed"])
    thread = publish(make_thread, author=member)
    publish(make_reply, thread=thread, author=member, body="Public reply")

    publish(actions.perform, "remove_thread", actor=moderator, target=thread, reason="Spam")

    delivered = WebhookDelivery.objects.get(webhook=hook)
    assert (delivered.event, delivered.payload["thread"]["id"]) == ("thread.removed", thread.pk)
    told = Notification.objects.get(recipient=member, kind="thread_moderated")
    assert told.thread_id == thread.pk


# --- bad input to the moderator actions -------------


@pytest.mark.parametrize(
    ("ends_at", "status"),
    [("2030-01-01T00:00:00", 200), (1893456000, 400), ("2030-13-01T00:00:00", 400)],
)
def test_a_sanction_end_is_a_date_and_time_or_a_field_error(admin_user, member, ends_at, status):
    """A naive time is read in the site's time zone; an impossible date or a number is a
    field error, never a server error."""
    response = api_as(admin_user).post(
        "/api/v1/moderation/actions/",
        {
            "action": "silence",
            "target_id": member.pk,
            "reason": "x",
            "params": {"ends_at": ends_at},
        },
        format="json",
    )

    assert response.status_code == status
    if status == 400:
        assert response.json()["error"]["fields"]["ends_at"]


def test_merging_into_a_thread_merged_away_already_is_a_4xx(admin_user):
    """A thread merged away already has no opening post to merge into: a 409."""
    merged_away, kept, other = make_thread(), make_thread(), make_thread()
    thread_merge(source=merged_away, target=kept)

    response = api_as(admin_user).post(
        "/api/v1/moderation/actions/",
        {
            "action": "merge",
            "target_id": other.pk,
            "reason": "x",
            "params": {"into": merged_away.pk},
        },
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "thread_merged"
