"""Each way the permission model once leaked, tried again as the attacker or the
moderator who found it would. The matrix (test_permission_matrix.py) walks every route
for every caller; these tell the stories one by one."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from forum.accounts import services as account_services
from forum.accounts.models import CategoryModerator, User
from forum.core import permissions
from forum.core.errors import NotFound, PermissionDenied
from forum.threads import selectors
from forum.threads.models import PostState
from forum.threads.services import post_delete, post_edit, post_set_state, thread_set_flags
from forum.webhooks.models import Webhook, WebhookDelivery
from forum.webhooks.signing import secret_generate
from moderation import actions
from moderation.models import ModerationLogEntry
from moderation.services import report_file, sanction_impose, sanction_lift
from tests.factories import CategoryFactory, ModeratorFactory, UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- the moderation hierarchy ---------------------------------------------------------


def test_a_moderator_cannot_lift_a_sanction_on_themselves(moderator, admin_user):
    sanction = sanction_impose(actor=admin_user, user=moderator, kind="silence", reason="Abuse")

    response = api_as(moderator).post(f"/api/v1/moderation/sanctions/{sanction.pk}/lift/")

    assert response.status_code == 403
    sanction.refresh_from_db()
    assert sanction.lifted_at is None


def test_only_an_administrator_lifts_a_peer_moderators_sanction(moderator, admin_user):
    peer = ModeratorFactory(username="peer")
    sanction = sanction_impose(actor=admin_user, user=peer, kind="suspend", reason="Overreach")

    refused = api_as(moderator).post(f"/api/v1/moderation/sanctions/{sanction.pk}/lift/")
    lifted = api_as(admin_user).post(f"/api/v1/moderation/sanctions/{sanction.pk}/lift/")

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "acting_on_moderator"
    assert lifted.status_code == 200 and lifted.json()["changed"] is True


def test_whoever_may_impose_a_sanction_on_a_member_may_lift_it(moderator, admin_user, member):
    imposed_by_admin = sanction_impose(actor=admin_user, user=member, kind="silence", reason="x")

    assert sanction_lift(actor=moderator, sanction=imposed_by_admin) is True


def test_a_silenced_moderator_cannot_lock_or_unlock_threads(client, moderator, admin_user):
    thread = make_thread()
    sanction_impose(actor=admin_user, user=moderator, kind="silence", reason="Cooling off")

    response = api_as(moderator).post(
        "/api/v1/moderation/actions/",
        {"action": "lock", "target_id": thread.pk, "reason": ""},
        format="json",
    )
    client.force_login(moderator)
    page = client.post(f"/t/{thread.pk}/{thread.slug}/moderate/", {"action": "lock"})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "moderator_sanctioned"
    assert page.status_code == 403
    thread.refresh_from_db()
    assert thread.is_locked is False
    # Nor does the admin panel let them in until the sanction ends.
    assert client.get("/admin/").status_code == 302


# --- what a category moderator sees -----------------------------------------------------


@pytest.fixture
def scoped(db):
    """A moderator of "games" only, with hidden content in "games" and in "news"."""
    games = CategoryFactory(slug="games", name="Games")
    news = CategoryFactory(slug="news", name="News")
    mod = ModeratorFactory(username="gamesmod")
    CategoryModerator.objects.create(moderator=mod, category=games)
    author = UserFactory(username="writer")
    mine = make_reply(thread=make_thread(category=games), author=author, body="Games walrus one")
    theirs = make_reply(thread=make_thread(category=news), author=author, body="News walrus two")
    for post in (mine, theirs):
        post_edit(editor=author, post=post, body=post.body_source + ", edited out")
        post_set_state(post=post, state=PostState.HIDDEN, reason="Under review")
        actions.perform("remove", actor=ModeratorFactory(), target=post, reason="Off-topic")
    return {"mod": mod, "mine": mine, "theirs": theirs, "author": author}


def test_a_category_moderator_reads_hidden_posts_of_their_categories_only(scoped):
    api = api_as(scoped["mod"])

    assert api.get(f"/api/v1/posts/{scoped['mine'].pk}/").status_code == 200
    assert api.get(f"/api/v1/posts/{scoped['theirs'].pk}/").status_code == 404
    assert api.get(f"/api/v1/posts/{scoped['mine'].pk}/revisions/").status_code == 200
    assert api.get(f"/api/v1/posts/{scoped['theirs'].pk}/revisions/").status_code == 404
    found = {hit["post_id"] for hit in api.get("/api/v1/search/?q=walrus").json()["results"]}
    assert found == {scoped["mine"].pk}


def test_a_category_moderator_reads_the_log_and_no_sanctions_beyond_their_categories(
    scoped, admin_user
):
    sanction_impose(actor=admin_user, user=scoped["author"], kind="silence", reason="Spam")
    api = api_as(scoped["mod"])

    log = api.get("/api/v1/moderation/log/").json()["results"]
    sanctions = api.get("/api/v1/moderation/sanctions/").json()["results"]

    assert {(row["target_type"], row["target_id"]) for row in log} == {("post", scoped["mine"].pk)}
    assert sanctions == []
    assert len(api_as(admin_user).get("/api/v1/moderation/sanctions/").json()["results"]) == 1


# --- a hidden opening post --------------------------------------------------------------


def test_hiding_the_opening_post_keeps_the_discussion_readable_and_listed(
    client, moderator, member
):
    thread = make_thread(author=member, title="A discussion worth keeping", body="Rude opening.")
    reply = make_reply(thread=thread, body="A thoughtful reply.")

    actions.perform("hide", actor=moderator, target=thread.opening_post, reason="Rude")

    page = client.get(thread.get_absolute_url())
    assert page.status_code == 200
    assert "This post is hidden while moderators review it." in page.text
    assert "Rude opening." not in page.text and "A thoughtful reply." in page.text
    assert "A discussion worth keeping" in client.get("/").text
    listed = APIClient().get("/api/v1/threads/").json()["results"]
    assert thread.pk in {row["id"] for row in listed}
    assert APIClient().get(f"/api/v1/posts/{reply.pk}/").status_code == 200


def test_reports_that_hide_an_opening_post_leave_the_thread(settings, member):
    settings.PARLEY = {**settings.PARLEY, "REPORT_HIDE_THRESHOLD": 3}
    thread = make_thread(author=member, body="Reported opening.")
    make_reply(thread=thread, body="A reply from someone else.")
    for n in range(3):
        report_file(
            reporter=UserFactory(username=f"reporter{n}"), post=thread.opening_post, reason="abuse"
        )

    thread.refresh_from_db()
    thread.opening_post.refresh_from_db()
    assert thread.opening_post.state == PostState.HIDDEN
    assert thread.state == PostState.VISIBLE
    assert APIClient().get(f"/api/v1/threads/{thread.pk}/posts/").status_code == 200


def test_a_new_thread_judged_as_a_whole_goes_and_comes_back_with_its_opening_post(
    moderator, member
):
    thread = make_thread(author=member, title="Buy cheap pills")

    post_set_state(post=thread.opening_post, state=PostState.REMOVED, with_thread=True)
    thread.refresh_from_db()
    assert thread.state == PostState.REMOVED
    assert APIClient().get(f"/api/v1/threads/{thread.pk}/").status_code == 404

    actions.perform("restore", actor=moderator, target=thread.opening_post)
    thread.refresh_from_db()
    assert thread.state == PostState.VISIBLE


def test_a_whole_thread_is_hidden_and_restored_by_a_thread_action(client, moderator, member):
    thread = make_thread(author=member, title="Off the rails")

    actions.perform("hide_thread", actor=moderator, target=thread, reason="Flame war")
    assert client.get(thread.get_absolute_url()).status_code == 404
    assert "Off the rails" not in client.get("/").text

    actions.perform("restore_thread", actor=moderator, target=thread)
    assert client.get(thread.get_absolute_url()).status_code == 200
    log = ModerationLogEntry.objects.filter(target_type="thread", target_id=thread.pk)
    assert list(log.order_by("pk").values_list("action", flat=True)) == [
        "hide_thread",
        "restore_thread",
    ]


# --- pages offer what the services allow --------------------------------------------------


def _post_actions(html: str, post_id: int) -> str:
    match = re.search(rf'id="post-{post_id}".*?<ul class="post-actions"(.*?)</ul>', html, re.S)
    return match[1] if match else ""


def test_edit_is_not_offered_in_a_locked_thread_and_the_service_agrees(client, member):
    thread = make_thread(author=member)
    reply = make_reply(thread=thread, author=member, body="Mine.")
    thread_set_flags(thread=thread, is_locked=True)
    client.force_login(member)

    offered = _post_actions(client.get(thread.get_absolute_url()).text, reply.pk)

    assert f"/p/{reply.pk}/edit/" not in offered
    assert client.get(f"/p/{reply.pk}/edit/").status_code == 403
    # Deleting is refused as editing is: a locked thread is settled as it stands.
    refused = api_as(member).delete(f"/api/v1/posts/{reply.pk}/")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "thread_locked"


def test_a_silenced_member_is_told_before_writing_with_the_end_and_the_reason(
    client, moderator, member, other_member
):
    thread = make_thread(author=other_member)
    ends = timezone.now() + dt.timedelta(days=3)
    sanction_impose(actor=moderator, user=member, kind="silence", reason="Heated", ends_at=ends)
    client.force_login(member)

    page = client.get(thread.get_absolute_url()).text
    new = client.get("/new/")

    assert 'id="reply-form"' not in page and 'href="/new/"' not in page
    assert f"/p/{thread.opening_post_id}/report/" not in page
    assert "Your account is silenced" in page and "Heated" in page
    assert ends.isoformat()[:16] in page.replace(" ", "T")  # the end, in a <time> element
    assert new.status_code == 403 and "silenced" in new.text


def test_a_deleted_post_cannot_be_appealed(client, moderator, member):
    reply = make_reply(thread=make_thread(), author=member, body="Mine, removed.")
    actions.perform("remove", actor=moderator, target=reply, reason="Off-topic")
    post_delete(actor=member, post=reply)
    client.force_login(member)

    refused = api_as(member).post(
        f"/api/v1/posts/{reply.pk}/appeal/", {"message": "Please"}, format="json"
    )

    assert refused.status_code == 403 and refused.json()["error"]["code"] == "post_deleted"
    assert client.get(f"/p/{reply.pk}/appeal/").status_code == 403


def test_every_capability_on_a_page_is_what_its_service_decides(member, moderator):
    """For each caller and each post of a thread, a capability the page shows is exactly
    the answer of the check its service runs."""
    thread = make_thread(author=member)
    posts = [make_reply(thread=thread, author=member, body=f"Post {n}.") for n in range(3)]
    post_set_state(post=posts[1], state=PostState.HIDDEN)
    post_set_state(post=posts[2], state=PostState.REMOVED)
    silenced = UserFactory(username="quiet")
    sanction_impose(actor=moderator, user=silenced, kind="silence", reason="x")
    checks = {
        "edit": permissions.check_can_edit_post,
        "delete": permissions.check_can_delete_post,
        "report": permissions.check_can_report,
        "appeal": permissions.check_can_appeal,
        "history": permissions.check_can_view_post_history,
    }
    for user in (member, moderator, silenced, UserFactory(username="someone")):
        for view in selectors.thread_posts_page(user=user, thread=thread):
            if not view.can_read:
                continue
            for name, check in checks.items():
                try:
                    check(user, view.post)
                    allowed = True
                except (PermissionDenied, NotFound):
                    allowed = False
                assert getattr(view.caps, name) == allowed, (user.username, view.post.pk, name)


# --- existence oracles and leaks ---------------------------------------------------------


def test_reporting_a_post_in_a_thread_hidden_from_the_caller_is_not_found(moderator, member):
    thread = make_thread(author=UserFactory(username="starter"))
    reply = make_reply(thread=thread, author=UserFactory(username="replier"))
    actions.perform("hide_thread", actor=moderator, target=thread, reason="Spam thread")

    response = api_as(member).post(
        f"/api/v1/posts/{reply.pk}/reports/", {"reason": "spam"}, format="json"
    )
    missing = api_as(member).post(
        "/api/v1/posts/999999/reports/", {"reason": "spam"}, format="json"
    )

    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()


@pytest.fixture
def webhooks(monkeypatch, member, moderator):
    """A member's and a moderator's webhook for every event; deliveries are recorded but
    not sent."""
    monkeypatch.setattr("forum.webhooks.services._after_commit_deliver", lambda ids: None)
    events = ["post.created", "post.hidden", "post.removed", "report.filed"]
    return {
        "member": Webhook.objects.create(
            owner=member,
            url="https://hooks.example.com/m",
            events=events[:3],
            secret=secret_generate(),
        ),
        "moderator": Webhook.objects.create(
            owner=moderator,
            url="https://hooks.example.com/x",
            events=events,
            secret=secret_generate(),
        ),
    }


def _delivered(webhook, event: str) -> list[dict]:
    return [d.payload for d in WebhookDelivery.objects.filter(webhook=webhook, event=event)]


def test_webhooks_never_hear_of_the_removal_of_a_post_the_public_never_saw(
    publish, webhooks, newcomer, moderator, member
):
    thread = publish(make_thread, author=member)
    held = publish(make_reply, thread=thread, author=newcomer, body="Held for approval")
    assert held.state == PostState.PENDING
    seen = publish(make_reply, thread=thread, author=member, body="Seen by all")

    publish(actions.perform, "remove", actor=moderator, target=held, reason="Spam")
    publish(actions.perform, "remove", actor=moderator, target=seen, reason="Abuse")

    removed = [p["post"]["id"] for p in _delivered(webhooks["member"], "post.removed")]
    assert removed == [seen.pk]


def test_moderators_webhooks_hear_of_reports_in_their_categories_only(
    publish, monkeypatch, member, other_member
):
    monkeypatch.setattr("forum.webhooks.services._after_commit_deliver", lambda ids: None)
    games, news = CategoryFactory(slug="games"), CategoryFactory(slug="news")
    gamesmod = ModeratorFactory(username="gamesmod")
    CategoryModerator.objects.create(moderator=gamesmod, category=games)
    hook = Webhook.objects.create(
        owner=gamesmod,
        url="https://hooks.example.com/g",
        events=["report.filed"],
        secret=secret_generate(),
    )
    in_games = make_thread(category=games, author=member).opening_post
    in_news = make_thread(category=news, author=member).opening_post

    for post in (in_games, in_news):
        publish(report_file, reporter=other_member, post=post, reason="spam")

    assert [p["report"]["post_id"] for p in _delivered(hook, "report.filed")] == [in_games.pk]


# --- a silenced member's other voices ------------------------------------------------------


def test_a_silenced_member_cannot_publish_profile_text_or_register_webhooks(
    client, moderator, member
):
    sanction_impose(actor=moderator, user=member, kind="silence", reason="x")
    api = api_as(member)

    bio = api.patch("/api/v1/me/", {"bio": "Visit my shop"}, format="json")
    name = api.patch("/api/v1/me/", {"display_name": "Admin"}, format="json")
    mail = api.patch("/api/v1/me/", {"email_frequency": "weekly"}, format="json")
    hook = api.post(
        "/api/v1/webhooks/",
        {"url": "https://hooks.example.com/x", "events": ["post.created"]},
        format="json",
    )
    client.force_login(member)
    page = client.post(
        "/accounts/settings/",
        {"display_name": "Admin", "bio": "Visit my shop", "email_frequency": "daily"},
    )

    assert bio.status_code == name.status_code == hook.status_code == 403
    assert bio.json()["error"]["code"] == "account_silenced"
    assert mail.status_code == 200
    assert page.status_code == 302
    member.refresh_from_db()
    assert (member.bio, member.display_name, member.email_frequency) == ("", "", "daily")


# --- standing changes are recorded, whoever makes them --------------------------------------


def test_role_and_trust_level_changes_are_logged_whoever_makes_them(
    admin_user, moderator, member, settings
):
    account_services.user_set_role(actor=admin_user, user=member, role=User.Role.MODERATOR)
    account_services.user_set_trust_level(actor=admin_user, user=member, level=1)
    newcomer = UserFactory(username="rising", trust_level=0, post_count=50)
    User.objects.filter(pk=newcomer.pk).update(date_joined=timezone.now() - dt.timedelta(days=90))
    newcomer.refresh_from_db()
    assert account_services.user_refresh_trust_level(user=newcomer) is True

    entries = ModerationLogEntry.objects.filter(target_type="user").order_by("pk")
    assert [(e.actor_id, e.target_id, e.action, e.details) for e in entries] == [
        (admin_user.pk, member.pk, "set_role", {"from": "member", "to": "moderator"}),
        (admin_user.pk, member.pk, "set_trust_level", {"from": 2, "to": 1}),
        (None, newcomer.pk, "set_trust_level", {"from": 0, "to": newcomer.trust_level}),
    ]


def test_only_administrators_change_roles_and_nobody_their_own(admin_user, moderator, member):
    with pytest.raises(permissions.PermissionDenied):
        account_services.user_set_role(actor=moderator, user=member, role=User.Role.MODERATOR)
    with pytest.raises(permissions.PermissionDenied):
        account_services.user_set_role(actor=admin_user, user=admin_user, role=User.Role.MEMBER)
    with pytest.raises(permissions.PermissionDenied):
        account_services.user_set_trust_level(actor=moderator, user=ModeratorFactory(), level=0)
    assert account_services.user_set_trust_level(actor=moderator, user=member, level=3) is True


def test_a_reply_link_followed_by_who_may_not_reply_shows_why_not_a_bad_request(
    client, moderator, member, other_member
):
    thread = make_thread(author=other_member)
    post = make_reply(thread=thread, author=other_member, body="Answer me.")
    url = f"{thread.get_absolute_url()}?reply_to={post.pk}"

    signed_out = client.get(url)
    sanction_impose(actor=moderator, user=member, kind="silence", reason="x")
    client.force_login(member)
    silenced = client.get(url)
    thread_set_flags(thread=thread, is_locked=True)
    client.force_login(other_member)
    locked = client.get(url)

    assert signed_out.status_code == 200 and "to reply." in signed_out.text
    assert silenced.status_code == 200 and "Your account is silenced" in silenced.text
    assert locked.status_code == 200 and "replies are closed" in locked.text
    for page in (signed_out, silenced, locked):
        assert 'id="reply-form"' not in page.text


def test_a_removed_post_takes_no_replies_even_from_its_author(client, moderator, member):
    thread = make_thread()
    post = make_reply(thread=thread, author=member, body="Removed words.")
    actions.perform("remove", actor=moderator, target=post, reason="Off-topic")
    client.force_login(member)

    page = client.get(f"{thread.get_absolute_url()}?reply_to={post.pk}")
    api = api_as(member).post(
        f"/api/v1/threads/{thread.pk}/posts/",
        {"body": "Still me", "parent": post.pk},
        format="json",
    )

    assert page.status_code == 400 and "This post takes no replies." in page.text
    assert api.status_code == 400 and api.json()["error"]["code"] == "bad_parent"
