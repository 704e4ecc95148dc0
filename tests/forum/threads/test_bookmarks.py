"""Bookmarks: a member saves what they may read, once per post or thread, with a note of
their own; what they can no longer read stays listed without a word of it."""

import pytest
from django.contrib.auth.models import AnonymousUser

from forum.core import permissions
from forum.core.errors import NotAuthenticated, NotFound, ValidationFailed
from forum.threads import bookmarks
from forum.threads.models import Bookmark, PostState
from forum.threads.services import post_delete, post_set_state, thread_set_state
from moderation import services as moderation_services
from tests.factories import UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(member, category):
    return make_thread(author=member, category=category, title="Troop movements", body="Maps.")


@pytest.fixture
def reply(thread, other_member):
    return make_reply(thread=thread, author=other_member, body="The **March** imagery says so.")


def _entries(user):
    return [
        bookmarks.bookmark_entry(user=user, bookmark=bookmark)
        for bookmark in bookmarks.bookmark_list(user=user)
    ]


def test_saving_again_changes_the_note_and_keeps_one_bookmark(member, reply):
    first, created = bookmarks.bookmark_save(user=member, post=reply, note="Check the dates")
    again, created_again = bookmarks.bookmark_save(user=member, post=reply, note="  Checked ")

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Bookmark.objects.get(user=member, post=reply).note == "Checked"
    assert again.updated_at >= first.created_at


def test_a_post_and_its_thread_are_bookmarked_apart(member, thread, reply):
    bookmarks.bookmark_save(user=member, post=reply)
    bookmarks.bookmark_save(user=member, thread=thread, note="The whole debate")

    assert [(entry.kind, entry.target_id) for entry in _entries(member)] == [
        ("thread", thread.pk),
        ("post", reply.pk),
    ]
    assert bookmarks.bookmarks_in_thread(user=member, thread=thread) == {
        "thread": "The whole debate",
        "posts": {str(reply.pk): ""},
    }


def test_a_bookmark_shows_the_rendered_text_never_the_markdown(member, thread, reply):
    bookmarks.bookmark_save(user=member, post=reply, note="dates")
    bookmarks.bookmark_save(user=member, thread=thread)

    thread_entry, post_entry = _entries(member)

    assert post_entry.available
    assert post_entry.title == "Troop movements"
    assert post_entry.excerpt == "The March imagery says so."
    assert post_entry.url == f"/p/{reply.pk}/"
    assert thread_entry.excerpt == "Maps."
    assert thread_entry.url == thread.get_absolute_url()


def test_notes_are_one_line_of_limited_length(member, reply):
    refusals = (("x" * 301, "too_long"), ("two\nlines", "control_character"), (3, "invalid"))
    for note, code in refusals:
        with pytest.raises(ValidationFailed) as refused:
            bookmarks.bookmark_save(user=member, post=reply, note=note)
        assert refused.value.code == code
    assert not Bookmark.objects.exists()


def test_anonymous_readers_may_not_bookmark(reply):
    assert not permissions.can_bookmark(AnonymousUser(), reply)
    with pytest.raises(NotAuthenticated):
        bookmarks.bookmark_save(user=AnonymousUser(), post=reply)
    with pytest.raises(NotAuthenticated):
        bookmarks.bookmark_remove(user=AnonymousUser(), post=reply)


def test_a_silenced_member_may_still_bookmark(moderator, member, reply):
    moderation_services.sanction_impose(
        actor=moderator, user=member, kind="silence", reason="Cooling off"
    )
    member.refresh_from_db()

    assert not permissions.can_post(member)
    assert permissions.can_bookmark(member, reply)
    assert permissions.post_capabilities(member, reply).bookmark
    _, created = bookmarks.bookmark_save(user=member, post=reply)
    assert created


@pytest.mark.parametrize("state", [PostState.PENDING, PostState.HIDDEN, PostState.REMOVED])
def test_what_a_member_may_not_read_cannot_be_bookmarked(member, reply, state):
    post_set_state(post=reply, state=state)
    reply.refresh_from_db()

    assert not permissions.can_bookmark(member, reply)
    with pytest.raises(NotFound):
        bookmarks.bookmark_save(user=member, post=reply)
    with pytest.raises(NotFound):
        bookmarks.bookmark_remove(user=member, post=reply)


def test_a_thread_taken_down_cannot_be_bookmarked(other_member, thread):
    thread_set_state(thread=thread, state=PostState.HIDDEN)
    thread.refresh_from_db()

    assert not permissions.thread_capabilities(other_member, thread).bookmark
    with pytest.raises(NotFound):
        bookmarks.bookmark_save(user=other_member, thread=thread)
    with pytest.raises(NotFound):
        bookmarks.bookmarks_in_thread(user=other_member, thread=thread)


def test_an_author_may_bookmark_their_own_pending_post(other_member, reply):
    post_set_state(post=reply, state=PostState.PENDING)
    reply.refresh_from_db()

    _, created = bookmarks.bookmark_save(user=other_member, post=reply)

    assert created


@pytest.mark.parametrize("taken", ["hidden", "removed", "deleted", "thread hidden"])
def test_a_bookmark_of_what_was_taken_away_is_listed_without_its_words(
    other_member, thread, reply, taken
):
    reader = UserFactory(username="reader")
    bookmarks.bookmark_save(user=reader, post=reply, note="my own words")
    bookmarks.bookmark_save(user=reader, thread=thread, note="the thread")
    if taken == "deleted":
        post_delete(actor=other_member, post=reply)
    elif taken == "thread hidden":
        thread_set_state(thread=thread, state=PostState.HIDDEN)
    else:
        post_set_state(post=reply, state=taken)

    thread_entry, post_entry = _entries(reader)

    assert not post_entry.available
    assert (post_entry.note, post_entry.target_id) == ("my own words", reply.pk)
    assert (post_entry.title, post_entry.excerpt, post_entry.url) == ("", "", "")
    assert thread_entry.available is (taken != "thread hidden")
    assert "March" not in thread_entry.excerpt


def test_a_thread_taken_down_is_unavailable_to_a_reader_who_saved_it(other_member, thread):
    bookmarks.bookmark_save(user=other_member, thread=thread, note="for later")
    thread_set_state(thread=thread, state=PostState.REMOVED)

    (entry,) = _entries(other_member)

    assert not entry.available
    assert (entry.title, entry.excerpt, entry.url, entry.note) == ("", "", "", "for later")


def test_a_bookmark_comes_back_whole_with_its_post(member, reply):
    bookmarks.bookmark_save(user=member, post=reply)
    post_set_state(post=reply, state=PostState.HIDDEN)
    post_set_state(post=reply, state=PostState.VISIBLE)

    (entry,) = _entries(member)

    assert entry.available and entry.excerpt == "The March imagery says so."


def test_a_bookmark_of_a_post_taken_away_can_still_be_removed(member, reply):
    bookmarks.bookmark_save(user=member, post=reply)
    post_set_state(post=reply, state=PostState.REMOVED)
    reply.refresh_from_db()

    assert bookmarks.bookmark_remove(user=member, post=reply) is True
    assert not Bookmark.objects.exists()


def test_removing_is_idempotent_and_only_ever_the_members_own(member, other_member, reply):
    bookmarks.bookmark_save(user=other_member, post=reply)

    assert bookmarks.bookmark_remove(user=member, post=reply) is False
    assert Bookmark.objects.filter(user=other_member).count() == 1
    assert bookmarks.bookmark_remove(user=other_member, post=reply) is True
    assert bookmarks.bookmark_remove(user=other_member, post=reply) is False


def test_the_list_is_the_members_own_newest_first_in_a_fixed_number_of_queries(
    member, other_member, thread, django_assert_num_queries
):
    replies = [make_reply(thread=thread, author=other_member) for _ in range(5)]
    for post in replies:
        bookmarks.bookmark_save(user=member, post=post)
    bookmarks.bookmark_save(user=other_member, post=replies[0])
    bookmarks.bookmark_save(user=member, thread=make_thread(author=other_member))

    with django_assert_num_queries(1):
        entries = _entries(member)

    assert [entry.kind for entry in entries] == ["thread"] + ["post"] * 5
    assert [entry.target_id for entry in entries[1:]] == [post.pk for post in reversed(replies)]
