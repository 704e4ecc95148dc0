"""Every list and detail endpoint costs the same number of SQL queries whether the thread
has 10 replies or 1,000 (and whatever the size of the list behind a page)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum.notifications.models import Notification
from forum.threads.models import PostRevision
from forum.threads.services import post_edit
from moderation.models import ModerationLogEntry, Report, ReviewItem
from moderation.services import review_item_open
from tests.factories import UserFactory, make_thread
from tests.forum.api.api_data import bulk_replies

pytestmark = pytest.mark.django_db

SMALL, LARGE = 10, 1000


def _queries(api, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(captured)


@pytest.fixture
def two_sizes(member, other_member, moderator, category):
    """Two threads alike but for their size: SMALL and LARGE replies, revisions,
    notifications, review items, reports and log entries behind each list."""
    worlds = {}
    for size in (SMALL, LARGE):
        author = UserFactory(username=f"author{size}")
        thread = make_thread(author=author, category=category, title=f"Thread of {size}")
        bulk_replies(thread, size, author=author)
        opening = thread.opening_post
        post_edit(editor=author, post=opening, body=f"Edited opening of {size}, with kiwi.")
        PostRevision.objects.bulk_create(
            PostRevision(post=opening, number=n, editor=author, body_source="x", body_html="x")
            for n in range(3, size + 1)
        )
        Notification.objects.bulk_create(
            Notification(
                recipient=author,
                kind="reply",
                actor=other_member,
                thread=thread,
                post=post,
                collapse_key=f"c{post.pk}",
            )
            for post in thread.posts.all()[:size]
        )
        review_item_open(post=opening, reason=ReviewItem.Reason.REPORTS)
        Report.objects.bulk_create(
            Report(post=post, reporter=other_member, reason="spam")
            for post in thread.posts.all()[:size]
        )
        ModerationLogEntry.objects.bulk_create(
            ModerationLogEntry(
                actor=moderator, action="note", target_type="post", target_id=n, reason="r"
            )
            for n in range(size)
        )
        worlds[size] = {"author": author, "thread": thread, "opening": opening}
    return worlds


def _urls(world) -> list[str]:
    thread, opening = world["thread"], world["opening"]
    return [
        f"/api/v1/threads/{thread.pk}/",
        f"/api/v1/threads/{thread.pk}/posts/",
        f"/api/v1/threads/{thread.pk}/posts/?after={opening.path}",
        f"/api/v1/posts/{opening.pk}/",
        f"/api/v1/posts/{opening.pk}/revisions/",
        f"/api/v1/posts/{opening.pk}/diff/?old=1&new=2",
        f"/api/v1/users/{world['author'].username}/",
        "/api/v1/notifications/",
        "/api/v1/notifications/unread-count/",
    ]


def test_reads_cost_the_same_for_10_and_1000_replies(api, two_sizes):
    for small_url, large_url in zip(_urls(two_sizes[SMALL]), _urls(two_sizes[LARGE]), strict=True):
        api.force_authenticate(two_sizes[SMALL]["author"])
        small = _queries(api, small_url)
        api.force_authenticate(two_sizes[LARGE]["author"])
        large = _queries(api, large_url)
        assert small == large, f"{small_url}: {small} queries, {large_url}: {large}"
        assert large <= 8, (large_url, large)


def test_shared_lists_cost_the_same_whatever_their_length(api, two_sizes, moderator):
    """Lists shared by everyone: counted once with SMALL rows behind them, then again after
    the LARGE world's rows are there too (both worlds exist; the lists hold both)."""

    def as_moderator(url: str) -> int:
        # A fresh user object per request, as a real request loads: the moderator's
        # category scope is remembered on the object it was read for.
        api.force_authenticate(type(moderator).objects.get(pk=moderator.pk))
        return _queries(api, url)

    urls = [
        "/api/v1/threads/",
        "/api/v1/threads/?order=replies",
        "/api/v1/categories/",
        "/api/v1/search/?q=kiwi",
        "/api/v1/search/?q=reply",
        "/api/v1/moderation/queue/",
        "/api/v1/moderation/reports/",
        "/api/v1/moderation/log/",
        "/api/v1/moderation/sanctions/",
    ]
    first = {url: as_moderator(url) for url in urls}
    ReviewItem.objects.filter(post=two_sizes[LARGE]["opening"]).delete()
    Report.objects.filter(post__thread=two_sizes[LARGE]["thread"]).delete()
    second = {url: as_moderator(url) for url in urls}

    assert first == second
    assert max(first.values()) <= 6, first
