"""A post that becomes readable late (held for approval and approved, hidden and
restored) is new to the members who read past the place it was written in the meantime:
read marks follow the order in which posts became readable, not the order they were
written in."""

import pytest

from forum.threads import selectors
from forum.threads import services as thread_services
from forum.threads.models import Post, PostState, ThreadRead
from forum.threads.unread import selectors as unread
from forum.threads.unread import services
from moderation import actions
from moderation import services as moderation_services
from tests.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db


def _read_the_whole_page(user, thread) -> None:
    """What the thread page does for `user`: show them its posts and move their mark."""
    shown = selectors.thread_posts_page(user=user, thread=thread)
    reading = unread.page_reading(user=user, thread=thread, shown=shown)
    if reading.read_up_to is not None:
        services.thread_read_mark(user=user, thread=thread, position=reading.read_up_to)


def _held(post: Post) -> Post:
    """`post` held for approval, as a check that asks for it holds it."""
    thread_services.post_set_state(post=post, state=PostState.PENDING, reason="held")
    return post


def _approve_in_the_queue(moderator, post):
    item = moderation_services.review_item_open(post=post, reason="rule")
    actions.review_item_decide(moderator=moderator, item=item, approve=True)


def _approve(moderator, post):
    actions.perform("approve", actor=moderator, target=post)


def _approve_with_the_service(moderator, post):
    thread_services.post_set_state(post=post, state=PostState.VISIBLE)


@pytest.fixture
def held_then_read_past(member, other_member):
    """A thread with a reply held for approval, and a reader who then read everything
    they may read, a later reply included: their mark is beyond the held reply's place."""
    thread = make_thread(author=other_member)
    held = _held(make_reply(thread=thread, author=other_member, body="Held for a while."))
    make_reply(thread=thread, author=other_member, body="Written after it.")
    _read_the_whole_page(member, thread)
    assert unread.read_state(user=member, thread=thread).unread == 0
    thread.refresh_from_db()
    return thread, held


@pytest.mark.parametrize(
    "approve",
    [_approve_in_the_queue, _approve, _approve_with_the_service],
    ids=lambda f: f.__name__,
)
def test_a_reply_approved_after_the_reader_read_past_it_is_new_to_them(
    member, moderator, held_then_read_past, approve
):
    thread, held = held_then_read_past
    polled_from = thread.last_position  # what the reader's open page polls from

    approve(moderator, Post.objects.get(pk=held.pk))

    assert unread.read_state(user=member, thread=thread).unread == 1
    assert unread.read_states(user=member, threads=[thread])[thread.pk].unread == 1
    assert unread.first_unread_post(user=member, thread=thread).pk == held.pk
    assert unread.new_posts_count(user=member, thread=thread, after_position=polled_from) == 1


def test_the_page_showing_the_approved_reply_marks_it_read(member, moderator, held_then_read_past):
    thread, held = held_then_read_past
    _approve(moderator, Post.objects.get(pk=held.pk))

    shown = selectors.thread_posts_page(user=member, thread=thread)
    reading = unread.page_reading(user=member, thread=thread, shown=shown)

    assert reading.marker_before == held.pk
    services.thread_read_mark(user=member, thread=thread, position=reading.read_up_to)
    assert unread.read_state(user=member, thread=thread).unread == 0
    assert unread.first_unread_post(user=member, thread=thread) is None


def test_a_hidden_reply_restored_is_new_to_readers_who_read_past_it(
    member, other_member, moderator
):
    """A restored post may never have been shown to a reader who came while it was
    hidden, and we cannot tell who saw it before: it counts as new to every reader whose
    mark passed it."""
    thread = make_thread(author=other_member)
    reply = make_reply(thread=thread, author=other_member)
    actions.perform("hide", actor=moderator, target=reply, reason="reported")
    make_reply(thread=thread, author=other_member)
    _read_the_whole_page(member, thread)

    actions.perform("restore", actor=moderator, target=Post.objects.get(pk=reply.pk))

    assert unread.read_state(user=member, thread=thread).unread == 1
    assert unread.first_unread_post(user=member, thread=thread).pk == reply.pk


def test_the_last_post_read_is_still_named_when_it_took_a_later_place(
    member, other_member, moderator
):
    """A member read up to the last reply, which was then hidden and restored (taking a
    later place): their mark names no post now, and the last post it passed is the one
    they read last, not none, which would say they never opened the thread."""
    thread = make_thread(author=other_member)
    earlier = make_reply(thread=thread, author=other_member)
    last = make_reply(thread=thread, author=other_member)
    _read_the_whole_page(member, thread)
    assert unread.read_state(user=member, thread=thread).last_read_post_id == last.pk

    actions.perform("hide", actor=moderator, target=last, reason="reported")
    actions.perform("restore", actor=moderator, target=Post.objects.get(pk=last.pk))

    state = unread.read_state(user=member, thread=thread)
    assert state.last_read_post_id == earlier.pk
    assert state.unread == 1


def test_marking_read_up_to_the_approved_reply_through_the_api_service_covers_it(
    member, moderator, held_then_read_past
):
    thread, held = held_then_read_past
    _approve(moderator, Post.objects.get(pk=held.pk))

    assert services.thread_read_up_to(user=member, thread=thread, post_id=held.pk)
    state = unread.read_state(user=member, thread=thread)
    assert state.unread == 0 and state.last_read_post_id == held.pk


def test_a_reply_visible_at_once_keeps_its_place_and_takes_no_extra_number(member, other_member):
    thread = make_thread(author=other_member)
    first = make_reply(thread=thread, author=other_member)
    second = make_reply(thread=thread, author=other_member)
    thread.refresh_from_db()

    assert (first.published_position, second.published_position) == (2, 3)
    assert thread.last_position == 3
    services.thread_read_mark(user=member, thread=thread, position=first.published_position)
    assert unread.read_state(user=member, thread=thread).unread == 1


def test_approval_takes_the_next_number_in_the_same_write_that_shows_the_post(
    moderator, held_then_read_past
):
    thread, held = held_then_read_past
    written_at = (held.position, held.path)
    assert held.published_position == held.position

    _approve(moderator, Post.objects.get(pk=held.pk))

    after = Post.objects.get(pk=held.pk)
    thread.refresh_from_db()
    assert after.state == PostState.VISIBLE
    assert (after.position, after.path) == written_at  # its place in the tree is unchanged
    assert after.published_position == thread.last_position > held.position
    # Hiding it again does not renumber it; only becoming readable does.
    thread_services.post_set_state(post=after, state=PostState.HIDDEN)
    assert Post.objects.get(pk=held.pk).published_position == after.published_position


def test_a_reply_split_into_a_thread_of_its_own_reads_from_its_start(member, other_member):
    thread = make_thread(author=other_member)
    reply = make_reply(thread=thread, author=other_member)
    make_reply(thread=thread, author=other_member, parent=reply)
    new_thread = thread_services.post_split(post=reply, title="On its own")

    positions = list(
        Post.objects.filter(thread=new_thread)
        .order_by("position")
        .values_list("position", "published_position")
    )
    assert positions == [(1, 1), (2, 2)]
    services.thread_read_mark(user=member, thread=new_thread, position=1)
    assert unread.read_state(user=member, thread=new_thread).unread == 1
    assert ThreadRead.objects.filter(user=member, thread=new_thread).exists()
