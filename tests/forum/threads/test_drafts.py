"""Drafts kept on the server: one per member and thread (or new thread), for their owner
alone, replaced on each save, guarded against an older copy, gone once posted."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum.accounts.models import Sanction
from forum.core.errors import (
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from forum.threads import services as thread_services
from forum.threads.drafts import selectors, services
from forum.threads.models import Draft, Post, PostState, Thread
from tests.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db


def test_one_draft_per_member_and_thread_each_save_replacing_the_last(member, other_member):
    thread = make_thread(author=other_member)

    first = services.draft_save(user=member, thread=thread, body="Half a thought")
    second = services.draft_save(user=member, thread=thread, body="A whole thought")

    assert second.pk == first.pk
    assert Draft.objects.filter(user=member).count() == 1
    assert selectors.draft_get(user=member, thread=thread).body == "A whole thought"
    assert second.updated_at >= first.updated_at


def test_a_new_thread_draft_is_one_per_member_whatever_the_category(member, category):
    services.draft_save(user=member, title="Rail traffic", body="", category=category)
    services.draft_save(user=member, title="Rail traffic at Tumangang", body="Two sets")

    draft = selectors.draft_get(user=member)
    assert (draft.kind, draft.title, draft.body, draft.category) == (
        "thread",
        "Rail traffic at Tumangang",
        "Two sets",
        None,
    )
    assert Draft.objects.filter(user=member).count() == 1


def test_a_draft_is_its_owners_alone(member, other_member):
    thread = make_thread(author=member)
    services.draft_save(user=member, thread=thread, body="Mine")
    services.draft_save(user=member, body="My new thread")

    assert selectors.draft_get(user=other_member, thread=thread) is None
    assert selectors.draft_get(user=other_member) is None
    assert list(selectors.draft_list(user=other_member)) == []
    assert not services.draft_discard(user=other_member, thread=thread)
    assert selectors.draft_get(user=member, thread=thread).body == "Mine"


def test_saving_the_same_text_again_writes_nothing(member):
    thread = make_thread(author=member)
    kept = services.draft_save(user=member, thread=thread, body="Unchanged")

    with CaptureQueriesContext(connection) as queries:
        again = services.draft_save(user=member, thread=thread, body="Unchanged")

    assert again.updated_at == kept.updated_at
    assert not [query for query in queries if query["sql"].startswith(("UPDATE", "INSERT"))]


def test_the_body_has_a_posts_limit_and_a_draft_needs_some_text(member, settings):
    settings.PARLEY = {**settings.PARLEY, "BODY_MAX_LENGTH": 50}
    thread = make_thread(author=member)

    with pytest.raises(ValidationFailed) as too_long:
        services.draft_save(user=member, thread=thread, body="x" * 51)
    with pytest.raises(ValidationFailed) as empty:
        services.draft_save(user=member, thread=thread, body="   \n")

    assert too_long.value.code == "too_long" and "body" in too_long.value.fields
    assert empty.value.code == "empty_draft"
    assert not Draft.objects.exists()


def test_an_older_copy_does_not_overwrite_a_newer_one(member):
    thread = make_thread(author=member)
    laptop = services.draft_save(user=member, thread=thread, body="From the laptop")
    phone = services.draft_save(
        user=member, thread=thread, body="From the phone", seen_updated_at=laptop.updated_at
    )

    with pytest.raises(Conflict) as refused:
        services.draft_save(
            user=member,
            thread=thread,
            body="The laptop again, from its old copy",
            seen_updated_at=laptop.updated_at - dt.timedelta(microseconds=1),
        )

    assert refused.value.code == "draft_changed"
    assert selectors.draft_get(user=member, thread=thread).body == "From the phone"
    assert phone.updated_at >= laptop.updated_at


def test_an_older_copy_saying_what_is_kept_already_is_no_conflict(member):
    """The composer saves as the member leaves the box for Preview, and Preview saves
    the same text with the updated_at the page had before: nothing is overwritten."""
    thread = make_thread(author=member)
    page_copy = services.draft_save(user=member, thread=thread, body="Begun")
    on_leaving = services.draft_save(
        user=member, thread=thread, body="Begun, then", seen_updated_at=page_copy.updated_at
    )

    on_preview = services.draft_save(
        user=member, thread=thread, body="Begun, then", seen_updated_at=page_copy.updated_at
    )

    assert on_preview.pk == on_leaving.pk
    assert on_preview.updated_at == on_leaving.updated_at


def test_a_copy_of_a_draft_posted_elsewhere_does_not_bring_it_back(member, other_member):
    """The phone has the form open from the draft; the laptop posts the reply. The
    phone's next save names the copy it was written from, which is gone: refused, and no
    draft comes back with the published text."""
    thread = make_thread(author=other_member)
    phone = services.draft_save(user=member, thread=thread, body="Nearly done")
    thread_services.post_create(author=member, thread=thread, body="Nearly done, and sent")

    with pytest.raises(Conflict) as refused:
        services.draft_save(
            user=member,
            thread=thread,
            body="Nearly done, and sent",
            seen_updated_at=phone.updated_at,
        )

    assert refused.value.code == "draft_gone"
    assert refused.value.status == 409
    assert selectors.draft_get(user=member, thread=thread) is None
    # Only a save that names no copy starts a draft.
    assert services.draft_save(user=member, thread=thread, body="A new thought").pk


def test_a_reply_draft_keeps_the_post_it_answers_if_it_is_in_the_thread(member, other_member):
    thread = make_thread(author=other_member)
    reply = make_reply(thread=thread, author=other_member)
    elsewhere = make_reply(thread=make_thread(author=other_member), author=other_member)

    draft = services.draft_save(user=member, thread=thread, body="Yes, but", parent_id=reply.pk)
    with pytest.raises(ValidationFailed) as refused:
        services.draft_save(user=member, thread=thread, body="Yes, but", parent_id=elsewhere.pk)

    assert draft.parent_post_id == reply.pk
    assert refused.value.code == "bad_parent"
    assert list(refused.value.fields) == ["parent_id"]


def test_a_post_the_member_may_not_see_is_refused_before_the_text_is_looked_at(
    member, other_member
):
    """An empty draft answering a pending post is refused for its parent, as one
    answering no post at all is: which fails first must not tell the two apart."""
    thread = make_thread(author=other_member)
    pending = make_reply(thread=thread, author=other_member)
    Post.objects.filter(pk=pending.pk).update(state=PostState.PENDING)

    refusals = []
    for parent_id in (pending.pk, 987654321):
        with pytest.raises(ValidationFailed) as refused:
            services.draft_save(user=member, thread=thread, body="", parent_id=parent_id)
        refusals.append((refused.value.code, refused.value.message, refused.value.fields))

    assert refusals[0] == refusals[1]
    assert refusals[0][0] == "bad_parent"


def test_no_draft_for_a_thread_the_member_cannot_see_nor_for_a_visitor(member, other_member):
    hidden = make_thread(author=other_member)
    Thread.objects.filter(pk=hidden.pk).update(state=PostState.HIDDEN)
    hidden.refresh_from_db()

    with pytest.raises(NotFound):
        services.draft_save(user=member, thread=hidden, body="Psst")
    with pytest.raises(NotAuthenticated):
        services.draft_save(user=AnonymousUser(), body="Anyone")


def test_the_list_leaves_out_threads_no_longer_visible(member, other_member):
    shown = make_thread(author=other_member, title="Shown")
    later_hidden = make_thread(author=other_member, title="Later hidden")
    services.draft_save(user=member, thread=shown, body="On the shown thread")
    services.draft_save(user=member, thread=later_hidden, body="On the other")
    services.draft_save(user=member, title="My own thread", body="")
    Thread.objects.filter(pk=later_hidden.pk).update(state=PostState.HIDDEN)

    listed = list(selectors.draft_list(user=member))

    assert [draft.title or draft.thread.title for draft in listed] == ["My own thread", "Shown"]


def test_a_silenced_member_keeps_drafts_but_cannot_post_them(member, other_member):
    thread = make_thread(author=other_member)
    Sanction.objects.create(user=member, kind="silence", reason="flooding")
    silenced = type(member).objects.get(pk=member.pk)

    services.draft_save(user=silenced, thread=thread, body="For when it ends")

    with pytest.raises(PermissionDenied) as refused:
        thread_services.post_create(author=silenced, thread=thread, body="For when it ends")
    assert refused.value.code == "account_silenced"
    assert selectors.draft_get(user=silenced, thread=thread) is not None


def test_publishing_deletes_the_draft_it_came_from(member, other_member, category):
    thread = make_thread(author=other_member)
    other_thread = make_thread(author=other_member)
    services.draft_save(user=member, thread=thread, body="Posting this")
    services.draft_save(user=member, thread=other_thread, body="Not this one")
    services.draft_save(user=member, title="A new thread", body="Opening")

    thread_services.post_create(author=member, thread=thread, body="Posting this")
    assert selectors.draft_get(user=member, thread=thread) is None
    assert selectors.draft_get(user=member, thread=other_thread) is not None

    thread_services.thread_create(
        author=member, category=category, title="A new thread", body="Opening"
    )
    assert selectors.draft_get(user=member) is None


def test_discarding_says_whether_there_was_a_draft(member):
    thread = make_thread(author=member)
    services.draft_save(user=member, thread=thread, body="Gone soon")

    assert services.draft_discard(user=member, thread=thread)
    assert not services.draft_discard(user=member, thread=thread)


def test_the_body_limit_is_the_posts(member):
    thread = make_thread(author=member)
    limit = settings.PARLEY["BODY_MAX_LENGTH"]

    assert len(services.draft_save(user=member, thread=thread, body="y" * limit).body) == limit
