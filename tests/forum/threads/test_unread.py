"""What is new to a member: counts of the posts they may read since their mark, in one
query for a whole list; a mark that only moves forward; where a page puts the marker and
how far it moves the mark."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum.core.errors import NotAuthenticated, NotFound, ValidationFailed
from forum.threads import selectors
from forum.threads.models import Post, PostState, Thread, ThreadRead
from forum.threads.unread import selectors as unread
from forum.threads.unread import services
from tests.factories import ModeratorFactory, UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


def _mark(user, thread) -> int | None:
    row = ThreadRead.objects.filter(user=user, thread=thread).first()
    return row.last_read_position if row else None


def test_a_thread_never_opened_is_new_without_a_count(member, other_member):
    thread = make_thread(author=other_member)
    make_reply(thread=thread, author=other_member)

    state = unread.read_state(user=member, thread=thread)

    assert state.is_new and state.has_unread
    assert state.unread is None and state.last_read_post_id is None


def test_new_posts_are_counted_from_the_mark_without_ones_own(member, other_member):
    thread = make_thread(author=other_member)
    first = make_reply(thread=thread, author=other_member)
    services.thread_read_mark(user=member, thread=thread, position=first.position)
    make_reply(thread=thread, author=other_member)
    make_reply(thread=thread, author=member)
    make_reply(thread=thread, author=other_member)

    state = unread.read_state(user=member, thread=thread)

    assert state.unread == 2
    assert state.last_read_post_id == first.pk
    assert not state.is_new


def test_ones_own_thread_is_counted_from_its_start_never_new(member, other_member):
    thread = make_thread(author=member)
    make_reply(thread=thread, author=other_member)

    state = unread.read_state(user=member, thread=thread)

    assert state.unread == 1 and not state.is_new


@pytest.mark.parametrize("hidden_how", ["pending", "hidden", "removed", "deleted"])
def test_posts_the_reader_may_not_read_are_not_counted(member, other_member, hidden_how):
    thread = make_thread(author=other_member)
    services.thread_read_mark(user=member, thread=thread, position=1)
    kept = make_reply(thread=thread, author=other_member)
    if hidden_how == "deleted":
        Post.objects.filter(pk=kept.pk).update(deleted_at=kept.created_at)
    else:
        Post.objects.filter(pk=kept.pk).update(state=hidden_how)
    make_reply(thread=thread, author=other_member)

    assert unread.read_state(user=member, thread=thread).unread == 1
    # Nor do they lead the way in: the first new post is the one they may read.
    first = unread.first_unread_post(user=member, thread=thread)
    assert first.pk != kept.pk
    assert unread.new_posts_count(user=member, thread=thread, after_position=1) == 1


def test_a_moderator_counts_the_hidden_posts_they_may_read(other_member):
    moderator = ModeratorFactory()
    thread = make_thread(author=other_member)
    services.thread_read_mark(user=moderator, thread=thread, position=1)
    held = make_reply(thread=thread, author=other_member)
    Post.objects.filter(pk=held.pk).update(state=PostState.HIDDEN)

    assert unread.read_state(user=moderator, thread=thread).unread == 1


def test_the_mark_only_moves_forward(member, other_member):
    thread = make_thread(author=other_member)
    replies = [make_reply(thread=thread, author=other_member) for _ in range(3)]

    assert services.thread_read_mark(user=member, thread=thread, position=replies[1].position)
    assert not services.thread_read_mark(user=member, thread=thread, position=replies[0].position)
    assert not services.thread_read_mark(user=member, thread=thread, position=replies[1].position)
    assert _mark(member, thread) == replies[1].position
    assert services.thread_read_mark(user=member, thread=thread, position=replies[2].position)
    assert _mark(member, thread) == replies[2].position
    assert ThreadRead.objects.filter(user=member, thread=thread).count() == 1


def test_moving_the_mark_is_one_statement(member, other_member):
    thread = make_thread(author=other_member)
    make_reply(thread=thread, author=other_member)
    for position in (1, 2):
        with CaptureQueriesContext(connection) as queries:
            services.thread_read_mark(user=member, thread=thread, position=position)
        assert len(queries) == 1


def test_a_list_of_thirty_threads_is_counted_in_one_query(member, other_member):
    threads = []
    for number in range(30):
        thread = make_thread(author=other_member, title=f"Thread {number}")
        if number % 2:
            services.thread_read_mark(user=member, thread=thread, position=1)
            for _ in range(number % 5):
                make_reply(thread=thread, author=other_member)
        threads.append(thread)

    with CaptureQueriesContext(connection) as queries:
        states = unread.read_states(user=member, threads=threads)

    assert len(queries) == 1
    assert [states[thread.pk].unread for thread in threads] == [
        None if number % 2 == 0 else number % 5 for number in range(30)
    ]


def test_anonymous_readers_have_no_read_state(other_member):
    thread = make_thread(author=other_member)
    with CaptureQueriesContext(connection) as queries:
        assert unread.read_states(user=AnonymousUser(), threads=[thread]) == {}
    assert len(queries) == 0


def test_marking_read_up_to_a_post_refuses_posts_elsewhere_or_hidden(member, other_member):
    thread = make_thread(author=other_member)
    elsewhere = make_reply(thread=make_thread(author=other_member), author=other_member)
    held = make_reply(thread=thread, author=other_member)
    Post.objects.filter(pk=held.pk).update(state=PostState.PENDING)

    for post_id in (elsewhere.pk, held.pk, 10**9):
        with pytest.raises(ValidationFailed) as refused:
            services.thread_read_up_to(user=member, thread=thread, post_id=post_id)
        assert refused.value.code == "bad_post"
    assert _mark(member, thread) is None


def test_marking_read_asks_who_may_see_the_thread(member, other_member):
    thread = make_thread(author=other_member)
    Thread.objects.filter(pk=thread.pk).update(state=PostState.HIDDEN)
    thread.refresh_from_db()
    with pytest.raises(NotFound):
        services.thread_read_up_to(user=member, thread=thread, post_id=thread.opening_post_id)
    with pytest.raises(NotAuthenticated):
        services.thread_read_up_to(
            user=AnonymousUser(), thread=thread, post_id=thread.opening_post_id
        )


# --- what a page does to the mark ------------------------------------------------------


def _page(user, thread, **kwargs):
    return selectors.thread_posts_page(user=user, thread=thread, **kwargs)


def test_a_page_puts_the_marker_before_the_first_new_post_in_reading_order(member, other_member):
    thread = make_thread(author=other_member)
    early = make_reply(thread=thread, author=other_member)
    later = make_reply(thread=thread, author=other_member)
    services.thread_read_mark(user=member, thread=thread, position=later.position)
    # Written last, but it answers the first reply: it comes first in reading order.
    answer = make_reply(thread=thread, author=other_member, parent=early)
    newest = make_reply(thread=thread, author=other_member)

    reading = unread.page_reading(user=member, thread=thread, shown=_page(member, thread))

    assert reading.marker_before == answer.pk
    assert reading.read_up_to == newest.position


def test_ones_own_new_posts_get_no_marker_but_are_read(member, other_member):
    thread = make_thread(author=other_member)
    services.thread_read_mark(user=member, thread=thread, position=1)
    own = make_reply(thread=thread, author=member)

    reading = unread.page_reading(user=member, thread=thread, shown=_page(member, thread))

    assert reading.marker_before is None
    assert reading.read_up_to == own.position


def test_a_page_read_again_moves_nothing(member, other_member):
    thread = make_thread(author=other_member)
    reply = make_reply(thread=thread, author=other_member)
    services.thread_read_mark(user=member, thread=thread, position=reply.position)

    reading = unread.page_reading(user=member, thread=thread, shown=_page(member, thread))

    assert reading == unread.NOTHING_READ


def test_a_page_moves_the_mark_no_further_than_the_first_new_post_it_does_not_show(
    member, other_member
):
    thread = make_thread(author=other_member)
    services.thread_read_mark(user=member, thread=thread, position=1)
    replies = [make_reply(thread=thread, author=other_member) for _ in range(6)]

    # A page showing the first three replies only.
    shown = _page(member, thread, limit=4)
    reading = unread.page_reading(user=member, thread=thread, shown=shown)

    assert [view.post.pk for view in shown][1:] == [reply.pk for reply in replies[:3]]
    assert reading.read_up_to == replies[2].position
    assert reading.marker_before == replies[0].pk


def test_a_first_visit_marks_what_it_shows_with_no_marker(member, other_member):
    thread = make_thread(author=other_member)
    reply = make_reply(thread=thread, author=other_member)

    reading = unread.page_reading(user=member, thread=thread, shown=_page(member, thread))

    assert reading.marker_before is None
    assert reading.read_up_to == reply.position


def test_a_page_costs_two_queries_and_one_read_again_costs_one(member):
    thread = make_thread(author=UserFactory())
    make_reply(thread=thread)
    shown = _page(member, thread)
    with CaptureQueriesContext(connection) as first_time:
        reading = unread.page_reading(user=member, thread=thread, shown=shown)
    services.thread_read_mark(user=member, thread=thread, position=reading.read_up_to)
    with CaptureQueriesContext(connection) as again:
        unread.page_reading(user=member, thread=thread, shown=shown)

    assert len(first_time) == 2
    assert len(again) == 1
