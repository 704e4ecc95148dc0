"""Per-category moderators: decided in forum/core/permissions.py, honoured by the action
registry, the admin panel, the moderator API and the web UI's quick actions."""

import pytest
from django.db import connection
from django.db.models import ProtectedError
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from forum.accounts import services as accounts_services
from forum.accounts.models import CategoryModerator, User
from forum.core import permissions
from forum.core.errors import PermissionDenied
from forum.threads.models import Category, PostState
from moderation import actions, selectors, services
from moderation.models import ModerationLogEntry, ReviewItem
from tests.factories import UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


def _queued(category, member, reason="rule"):
    post = make_reply(thread=make_thread(author=member, category=category), author=member)
    return services.review_item_open(post=post, reason=reason, severity=0.5)


def test_the_permissions_module_decides_the_scope(games, politics, games_mod, moderator, member):
    admin_user = UserFactory(username="boss", role="admin", is_staff=True, is_superuser=True)

    assert permissions.moderated_category_ids(games_mod) == {games.pk}
    assert permissions.moderated_category_ids(moderator) is None  # the whole forum
    assert permissions.moderated_category_ids(admin_user) is None
    assert permissions.moderated_category_ids(member) == frozenset()
    assert permissions.can_moderate_category(games_mod, games)
    assert not permissions.can_moderate_category(games_mod, politics.pk)
    assert not permissions.is_forum_moderator(games_mod)
    assert permissions.is_forum_moderator(moderator)
    # An administrator given a scope by mistake still moderates everything.
    CategoryModerator.objects.create(moderator=admin_user, category=games)
    assert permissions.moderated_category_ids(admin_user) is None


def test_actions_outside_the_scope_are_refused_and_not_logged(games, politics, games_mod, member):
    inside = make_reply(thread=make_thread(author=member, category=games), author=member)
    outside = make_reply(thread=make_thread(author=member, category=politics), author=member)

    assert actions.perform("hide", actor=games_mod, target=inside, reason="Off-topic").changed
    with pytest.raises(PermissionDenied) as refused:
        actions.perform("hide", actor=games_mod, target=outside, reason="Off-topic")
    assert refused.value.code == "not_category_moderator"
    with pytest.raises(PermissionDenied):
        actions.perform("lock", actor=games_mod, target=outside.thread)
    # Moving a thread out of the scope, and site-wide decisions, are refused too.
    with pytest.raises(PermissionDenied):
        actions.perform("move", actor=games_mod, target=inside.thread, category=politics)
    with pytest.raises(PermissionDenied) as sanction:
        actions.perform("silence", actor=games_mod, target=member, reason="Spam")
    assert sanction.value.code == "not_forum_moderator"
    outside.refresh_from_db()
    assert outside.state == PostState.VISIBLE
    assert list(ModerationLogEntry.objects.values_list("action", "target_id")) == [
        ("hide", inside.pk)
    ]


def test_a_scoped_moderator_cannot_claim_an_item_elsewhere(games, politics, games_mod, member):
    item = _queued(politics, member)
    with pytest.raises(PermissionDenied):
        services.review_item_claim(moderator=games_mod, item=item)
    item.refresh_from_db()
    assert item.claimed_by is None


def test_rules_are_for_moderators_of_the_whole_forum(games_mod, moderator):
    with pytest.raises(PermissionDenied):
        services.rule_save(
            actor=games_mod, name="x", kind="watched_words", params={"words": ["x"]},
            action="flag", enabled=False,
        )  # fmt: skip
    client = Client()
    client.force_login(games_mod)
    assert client.get("/admin/moderation/rule/").status_code == 200  # may read them
    assert client.get("/admin/moderation/rule/add/").status_code == 403
    assert client.get("/admin/moderation/rule/try/").status_code == 403
    rule = services.rule_save(
        actor=moderator, name="x", kind="watched_words", params={"words": ["x"]},
        action="flag", enabled=False,
    )  # fmt: skip
    page = client.get(f"/admin/moderation/rule/{rule.pk}/change/").content.decode()
    assert "Its history" in page and "Try this rule" not in page
    assert client.get(f"/admin/moderation/rule/{rule.pk}/try/").status_code == 403


def test_the_admin_queue_shows_and_decides_only_the_moderators_categories(
    games, politics, games_mod, member
):
    mine = _queued(games, member)
    theirs = _queued(politics, member)
    client = Client()
    client.force_login(games_mod)

    page = client.get("/admin/moderation/reviewitem/?state__exact=pending")
    text = page.content.decode()
    assert page.status_code == 200
    assert f"Post {mine.post_id} in" in text and f"Post {theirs.post_id} in" not in text
    assert "1 pending" in text and "You moderate: Games." in text
    home = client.get("/admin/").content.decode()
    assert "1 pending" in home and f"Post {theirs.post_id} in" not in home

    # The other category's item is not there for them: not its page, not its decision.
    assert client.get(f"/admin/moderation/reviewitem/{theirs.pk}/change/").status_code == 302
    refused = client.post(
        f"/admin/moderation/reviewitem/{theirs.pk}/decide/", {"action": "remove", "reason": "x"}
    )
    assert refused.status_code == 404
    # A bulk action naming it does nothing to it: the changelist's queryset is scoped.
    client.post(
        "/admin/moderation/reviewitem/?state__exact=pending",
        {"action": "approve_items", "_selected_action": [mine.pk, theirs.pk]},
    )
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert (mine.state, theirs.state) == (ReviewItem.State.APPROVED, ReviewItem.State.PENDING)

    # The item page offers no sanctions to a category moderator.
    other = _queued(games, member)
    item_page = client.get(f"/admin/moderation/reviewitem/{other.pk}/change/").content.decode()
    assert 'value="remove"' in item_page and 'value="ban"' not in item_page


def test_the_moderator_api_honours_the_scope(games, politics, games_mod, member):
    mine = _queued(games, member)
    theirs = _queued(politics, member)
    api = APIClient()
    api.force_authenticate(games_mod)

    listed = api.get("/api/v1/moderation/queue/").json()["results"]
    assert [row["id"] for row in listed] == [mine.pk]
    for item in (mine, theirs):
        services.report_file(reporter=UserFactory(), post=item.post, reason="spam")
    reports = api.get("/api/v1/moderation/reports/").json()["results"]
    assert [row["post_id"] for row in reports] == [mine.post_id]
    assert api.get(f"/api/v1/moderation/queue/{theirs.pk}/").status_code == 404
    decided = api.post(
        f"/api/v1/moderation/queue/{theirs.pk}/decide/",
        {"decision": "reject", "reason": "Spam"},
        format="json",
    )
    # An item of another category is not there for this moderator, whatever the verb.
    assert decided.status_code == 404
    action = api.post(
        "/api/v1/moderation/actions/",
        {"action": "hide", "target_id": theirs.post_id, "reason": "Spam"},
        format="json",
    )
    assert action.status_code == 403
    ok = api.post(
        f"/api/v1/moderation/queue/{mine.pk}/decide/",
        {"decision": "reject", "reason": "Spam"},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["state"] == "rejected"


def test_the_web_quick_actions_honour_the_scope(games, politics, games_mod, member):
    outside = make_reply(thread=make_thread(author=member, category=politics), author=member)
    inside = make_reply(thread=make_thread(author=member, category=games), author=member)
    client = Client()
    client.force_login(games_mod)

    refused = client.post(f"/p/{outside.pk}/moderate/", {"action": "hide", "reason": "Spam"})
    done = client.post(f"/p/{inside.pk}/moderate/", {"action": "hide", "reason": "Spam"})

    assert refused.status_code == 403
    assert "You moderate other categories" in refused.content.decode()
    assert done.status_code == 302
    outside.refresh_from_db()
    inside.refresh_from_db()
    assert (outside.state, inside.state) == (PostState.VISIBLE, PostState.HIDDEN)


def test_only_administrators_set_the_scope(games, moderator):
    client = Client()
    client.force_login(moderator)
    assert client.get("/admin/accounts/categorymoderator/").status_code == 403
    boss = UserFactory(username="boss", role="admin", is_staff=True, is_superuser=True)
    client.force_login(boss)
    page = client.get(f"/admin/accounts/user/{moderator.pk}/change/")
    assert page.status_code == 200 and "moderated categories" in page.content.decode().lower()


def test_a_category_moderators_dashboard_counts_their_categories_only(
    games, politics, games_mod, moderator, member
):
    _queued(games, member)
    decided_here = _queued(games, member)
    decided_there = _queued(politics, member)
    _queued(politics, member)
    actions.review_item_decide(moderator=moderator, item=decided_here, approve=True)
    actions.review_item_decide(moderator=moderator, item=decided_there, approve=False, reason="x")

    with CaptureQueriesContext(connection) as queries:
        scoped = selectors.moderation_dashboard(category_ids=frozenset({games.pk}))
    whole = selectors.moderation_dashboard()

    assert len(queries) == 5
    assert (scoped.queue_size, scoped.decided, scoped.decisions_total) == (1, 1, 1)
    assert list(scoped.decisions_by_action) == ["approve"]
    assert (whole.queue_size, whole.decided, whole.decisions_total) == (2, 2, 2)
    client = Client()
    client.force_login(games_mod)
    page = client.get("/admin/moderation/reviewitem/dashboard/").content.decode()
    assert "Figures for the categories you moderate: Games." in page


def test_a_category_with_moderators_cannot_be_deleted_until_their_scope_changes(
    games, politics, games_mod
):
    """Deleting a scoped moderator's only category would leave them no scope rows, which
    means the whole forum: the admin refuses, naming the scope, until an administrator
    changes it through the logged service."""
    boss = UserFactory(username="boss", role="admin", is_staff=True, is_superuser=True)
    admin_client = Client()
    admin_client.force_login(boss)
    delete_page = f"/admin/threads/category/{games.pk}/delete/"

    shown = admin_client.get(delete_page)
    assert shown.status_code == 200
    assert "protected related objects" in shown.text
    assert "gamesmod moderates Games" in shown.text
    refused = admin_client.post(delete_page, {"post": "yes"})
    assert refused.status_code == 200
    with pytest.raises(ProtectedError):
        games.delete()
    assert permissions.moderated_category_ids(_fresh(games_mod)) == frozenset({games.pk})

    accounts_services.moderator_set_scope(
        actor=boss, moderator=games_mod, category_ids=[politics.pk]
    )
    deleted = admin_client.post(delete_page, {"post": "yes"})
    assert deleted.status_code == 302
    assert not Category.objects.filter(pk=games.pk).exists()
    assert permissions.moderated_category_ids(_fresh(games_mod)) == frozenset({politics.pk})


def _fresh(user) -> User:
    return User.objects.get(pk=user.pk)
