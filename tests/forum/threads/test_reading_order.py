"""A thread reads as a tree, parents before their replies, one page in one query."""

import random

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum.threads import selectors, services
from forum.threads.models import Post, PostState
from tests.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db


def depth_first(post_ids_by_parent: dict, root_id: int) -> list[int]:
    """The expected reading order: children in the order they were written."""
    order, stack = [], [root_id]
    while stack:
        current = stack.pop()
        order.append(current)
        stack.extend(reversed(post_ids_by_parent.get(current, [])))
    return order


def reading_order(thread, user, limit=10_000) -> list[int]:
    return [
        view.post.pk for view in selectors.thread_posts_page(user=user, thread=thread, limit=limit)
    ]


def test_path_segments_sort_numerically():
    keys = [services.path_segment(n) for n in (1, 2, 9, 10, 35, 36, 1295, 1296, 10**9)]
    assert keys == sorted(keys)
    assert all(len(key) == Post.SEGMENT_WIDTH for key in keys)


def test_random_wide_and_deep_tree_reads_depth_first(member):
    rng = random.Random(20261126)
    thread = make_thread(author=member)
    children: dict[int, list[int]] = {}
    posts = [thread.opening_post]
    for _ in range(300):
        # Bias towards recent posts for depth, and towards the root for width.
        parent = rng.choice(posts[-5:]) if rng.random() < 0.5 else rng.choice(posts[:10])
        reply = make_reply(thread=thread, author=member, parent=parent)
        children.setdefault(parent.pk, []).append(reply.pk)
        posts.append(reply)

    assert reading_order(thread, member) == depth_first(children, thread.opening_post_id)


def test_a_page_is_one_query_whatever_the_size_and_shared_by_readers_shown_the_same(member):
    thread = make_thread(author=member)
    for _ in range(30):
        make_reply(thread=thread, author=member)

    with CaptureQueriesContext(connection) as queries:
        page = selectors.thread_posts_page(user=member, thread=thread, limit=20)
        [view.post.author.username for view in page]
        [view.caps for view in page]

    # Who is shown what of this version of the thread (the authors of posts others may
    # not read), the page, and the reader's standing (their sanctions) once for every
    # post's capabilities; in a request, signing in has read that already.
    assert len(page) == 20
    assert len(queries) == 3
    assert all(view.caps.reply and view.caps.edit for view in page)

    # Anyone else shown the same posts reads the same rows: no query for them.
    with CaptureQueriesContext(connection) as queries:
        page = selectors.thread_posts_page(user=AnonymousUser(), thread=thread, limit=20)
    assert len(queries) == 0
    assert len(page) == 20 and not any(view.caps.reply for view in page)


def test_pages_continue_after_the_last_path(member):
    thread = make_thread(author=member)
    for _ in range(25):
        make_reply(thread=thread, author=member)
    everything = reading_order(thread, member)

    first = selectors.thread_posts_page(user=member, thread=thread, limit=10)
    second = selectors.thread_posts_page(
        user=member, thread=thread, after_path=first[-1].post.path, limit=10
    )

    assert [v.post.pk for v in first + second] == everything[:20]


def test_a_chain_deeper_than_the_indexed_depth_keeps_order_and_true_depth(member):
    thread = make_thread(author=member)
    parent = thread.opening_post
    chain = [parent.pk]
    for _ in range(Post.MAX_PATH_DEPTH + 40):
        parent = make_reply(thread=thread, author=member, parent=parent)
        chain.append(parent.pk)

    assert reading_order(thread, member) == chain
    deepest = Post.objects.get(pk=chain[-1])
    assert deepest.depth == Post.MAX_PATH_DEPTH + 40
    assert len(deepest.path) <= Post.SEGMENT_WIDTH * Post.MAX_PATH_DEPTH


def test_branches_below_the_indexed_depth_still_put_parents_first(member):
    thread = make_thread(author=member)
    parent = thread.opening_post
    for _ in range(Post.MAX_PATH_DEPTH + 2):
        parent = make_reply(thread=thread, author=member, parent=parent)
    first = make_reply(thread=thread, author=member, parent=parent)
    second = make_reply(thread=thread, author=member, parent=parent)
    grandchild = make_reply(thread=thread, author=member, parent=first)

    order = reading_order(thread, member)

    assert order.index(parent.pk) < order.index(first.pk) < order.index(grandchild.pk)
    assert order.index(parent.pk) < order.index(second.pk)


def test_readers_see_placeholders_for_hidden_and_deleted_posts_but_not_others_pending(
    member, other_member, newcomer, moderator
):
    thread = make_thread(author=member)
    hidden = make_reply(thread=thread, author=other_member, body="hidden words")
    services.post_set_state(post=hidden, state=PostState.HIDDEN, reason="reported")
    deleted = make_reply(thread=thread, author=other_member, body="deleted words")
    services.post_delete(actor=other_member, post=deleted)
    pending = make_reply(thread=thread, author=newcomer, body="pending words")

    seen_by_member = {v.post.pk: v for v in selectors.thread_posts_page(user=member, thread=thread)}
    assert seen_by_member[hidden.pk].can_read is False
    assert seen_by_member[hidden.pk].body_html == ""
    assert seen_by_member[deleted.pk].placeholder == "This post was deleted."
    assert pending.pk not in seen_by_member

    seen_by_author = {
        v.post.pk: v for v in selectors.thread_posts_page(user=newcomer, thread=thread)
    }
    assert seen_by_author[pending.pk].can_read

    seen_by_moderator = selectors.thread_posts_page(user=moderator, thread=thread)
    assert all(view.can_read for view in seen_by_moderator)
    assert len(seen_by_moderator) == 4
