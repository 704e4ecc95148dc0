"""Moderator actions go through one registry that checks, acts and logs."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from forum.accounts.models import Sanction
from forum.core.errors import PermissionDenied, ValidationFailed
from forum.threads.models import Post, PostState, Thread
from moderation import actions, services
from moderation.models import ModerationLogEntry, ReviewItem
from tests.factories import CategoryFactory, ModeratorFactory, UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


def logged(action):
    return list(ModerationLogEntry.objects.filter(action=action).values_list("target_id", "reason"))


def test_every_registered_action_names_its_target_kind():
    assert {
        "approve",
        "hide",
        "remove",
        "restore",
        "edit",
        "lock",
        "unlock",
        "pin",
        "move",
        "merge",
        "split",
        "silence",
        "suspend",
        "ban",
    } <= set(actions.ACTIONS)
    assert {a.target for a in actions.ACTIONS.values()} == {"post", "thread", "user"}


def test_hide_remove_restore_round_trip_is_logged(member, moderator):
    post = make_reply(thread=make_thread(author=member), author=member)

    actions.perform("hide", actor=moderator, target=post, reason="Under review")
    actions.perform("remove", actor=moderator, target=post, reason="Doxxing")
    result = actions.perform("restore", actor=moderator, target=post, reason="Redacted by author")

    post.refresh_from_db()
    assert result.changed and post.state == PostState.VISIBLE
    assert [e.action for e in ModerationLogEntry.objects.order_by("pk")] == [
        "hide",
        "remove",
        "restore",
    ]


def test_reaching_the_same_state_again_changes_nothing_and_logs_nothing(member, moderator):
    thread = make_thread(author=member)

    assert actions.perform("lock", actor=moderator, target=thread).changed is True
    again = actions.perform("lock", actor=moderator, target=thread)

    assert again.changed is False and "nothing to change" in again.message
    assert len(logged("lock")) == 1


def test_members_cannot_perform_actions(member, other_member):
    thread = make_thread(author=member)

    with pytest.raises(PermissionDenied):
        actions.perform("lock", actor=other_member, target=thread)
    assert not ModerationLogEntry.objects.exists()


def test_reason_required_and_unknown_params_are_clear_errors(member, moderator):
    post = make_thread(author=member).opening_post

    with pytest.raises(ValidationFailed) as no_reason:
        actions.perform("remove", actor=moderator, target=post)
    assert "reason" in no_reason.value.fields
    with pytest.raises(ValidationFailed) as bad_params:
        actions.perform("pin", actor=moderator, target=post.thread, colour="red")
    assert "params" in bad_params.value.fields


def test_move_merge_and_split_keep_the_tree_readable(member, moderator):
    from forum.threads import selectors

    source = make_thread(author=member, title="Source thread")
    branch = make_reply(thread=source, author=member, body="branch")
    leaf = make_reply(thread=source, author=member, parent=branch, body="leaf")
    target = make_thread(author=member, title="Target thread")
    make_reply(thread=target, author=member, body="existing")

    actions.perform("move", actor=moderator, target=target, category=CategoryFactory())
    actions.perform("merge", actor=moderator, target=source, into=target, reason="Same topic")

    source.refresh_from_db()
    target.refresh_from_db()
    assert source.is_deleted
    order = [v.post.pk for v in selectors.thread_posts_page(user=moderator, thread=target)]
    assert order.index(branch.pk) < order.index(leaf.pk)
    assert Post.objects.get(pk=leaf.pk).thread_id == target.pk
    assert target.reply_count == 4

    actions.perform(
        "split",
        actor=moderator,
        target=Post.objects.get(pk=branch.pk),
        title="Branch on its own",
        reason="Tangent",
    )
    new_thread = Thread.objects.get(title="Branch on its own")
    assert new_thread.opening_post_id == branch.pk
    assert [v.post.pk for v in selectors.thread_posts_page(user=moderator, thread=new_thread)] == [
        branch.pk,
        leaf.pk,
    ]
    assert Post.objects.get(pk=leaf.pk).depth == 1


def test_sanctions_stop_posting_and_logging_in_and_expire(member, moderator, category):
    from forum.threads import services as thread_services

    actions.perform(
        "silence",
        actor=moderator,
        target=member,
        reason="Heated",
        ends_at=timezone.now() + dt.timedelta(hours=1),
    )
    with pytest.raises(PermissionDenied):
        thread_services.thread_create(author=member, category=category, title="Hi", body="x")

    actions.perform("suspend", actor=moderator, target=member, reason="Spam")
    client = Client()
    assert not client.login(username=member.username, password="correct horse battery staple")

    Sanction.objects.filter(user=member).update(
        starts_at=timezone.now() - dt.timedelta(days=2),
        ends_at=timezone.now() - dt.timedelta(minutes=1),
    )
    assert services.sanctions_expire() == 2
    assert client.login(username=member.username, password="correct horse battery staple")
    assert len(logged("sanction_expired")) == 2


def test_a_suspended_members_session_stops_working(member, moderator):
    client = Client()
    client.force_login(member)
    assert client.get("/").context["user"].is_authenticated

    actions.perform("suspend", actor=moderator, target=member, reason="Spam")

    assert not client.get("/").context["user"].is_authenticated


def test_moderators_cannot_sanction_moderators_but_admins_can(moderator):
    other = ModeratorFactory(username="other-mod")
    admin = UserFactory(username="boss", role="admin", is_staff=True, is_superuser=True)

    with pytest.raises(PermissionDenied) as refused:
        actions.perform("silence", actor=moderator, target=other, reason="No")
    assert refused.value.code == "acting_on_moderator"
    actions.perform("silence", actor=admin, target=other, reason="Cool off")


def test_the_log_is_append_only(member, moderator):
    actions.perform("lock", actor=moderator, target=make_thread(author=member))
    entry = ModerationLogEntry.objects.get()

    entry.reason = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        ModerationLogEntry.objects.update(reason="x")
    with pytest.raises(PermissionError):
        ModerationLogEntry.objects.all().delete()


@pytest.mark.postgresql  # the trigger is PostgreSQL's
def test_the_database_refuses_log_updates_even_in_raw_sql(member, moderator):
    actions.perform("lock", actor=moderator, target=make_thread(author=member))

    for statement in (
        "UPDATE moderation_moderationlogentry SET reason = 'x'",
        "DELETE FROM moderation_moderationlogentry",
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)


def test_approving_clears_the_queue_item(member, moderator, newcomer):
    post = make_reply(thread=make_thread(author=member), author=newcomer)
    services.review_item_open(post=post, reason="premoderation")

    actions.perform("approve", actor=moderator, target=post)

    post.refresh_from_db()
    assert post.state == PostState.VISIBLE
    assert ReviewItem.objects.get(post=post).state == ReviewItem.State.APPROVED
