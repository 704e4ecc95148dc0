"""What is new to a member in the web UI: lists say "N new" (or "new"), a thread opens at
the first new post with a marker before it, a page marks what it shows with at most one
write, and the updates a thread page polls for count only what the reader may see."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum.notifications.models import Notification
from forum.threads import services as thread_services
from forum.threads.models import Post, PostState, Thread, ThreadRead
from forum.threads.selectors import POSTS_PAGE_SIZE
from forum.threads.unread import services
from forum.web.slots import UNREAD_MARKER
from moderation import actions
from tests.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db

MARKER_ID = 'id="unread"'


def _row(html: str, thread) -> str:
    """The list row of `thread` on a page."""
    match = re.search(
        rf'<li class="thread-row[^"]*">\s*<a class="thread-title" href="[^"]*"[^>]*>'
        rf"{re.escape(thread.title)}</a>.*?</li>",
        html,
        flags=re.DOTALL,
    )
    assert match, f"no row for {thread.title}"
    return match[0]


def _mark(user, thread):
    row = ThreadRead.objects.filter(user=user, thread=thread).first()
    return row and row.last_read_position


def test_lists_say_what_is_new_since_the_last_visit(client, member, other_member):
    read = make_thread(author=other_member, title="Read before")
    services.thread_read_mark(user=member, thread=read, position=1)
    make_reply(thread=read, author=other_member)
    make_reply(thread=read, author=other_member)
    make_reply(thread=read, author=member)
    unopened = make_thread(author=other_member, title="Never opened")
    caught_up = make_thread(author=other_member, title="Caught up")
    services.thread_read_mark(user=member, thread=caught_up, position=1)
    client.force_login(member)

    for url in ("/", f"/c/{read.category.slug}/"):
        html = client.get(url).text
        row = _row(html, read)
        assert 'class="thread-row unread"' in row
        assert f'href="/t/{read.pk}/{read.slug}/unread/"' in row
        assert ">2 new</a>" in row
        if url == "/":
            assert '<span class="unread-badge">new</span>' in _row(html, unopened)
            assert "unread" not in _row(html, caught_up)
            assert "new</" not in _row(html, caught_up)


def test_a_members_threads_on_a_profile_say_what_is_new(client, member, other_member):
    thread = make_thread(author=other_member, title="On the profile")
    services.thread_read_mark(user=member, thread=thread, position=1)
    make_reply(thread=thread, author=other_member)
    client.force_login(member)

    html = client.get(f"/u/{other_member.username}/").text

    assert '<li class="unread">' in html and ">1 new</a>" in html


def test_anonymous_lists_say_nothing_new(client, other_member):
    make_thread(author=other_member, title="Anyone's")

    html = client.get("/").text

    assert "unread-badge" not in html and "thread-row unread" not in html


def test_hidden_posts_are_not_counted_in_a_list(client, member, other_member):
    thread = make_thread(author=other_member, title="Some held")
    services.thread_read_mark(user=member, thread=thread, position=1)
    held = make_reply(thread=thread, author=other_member)
    Post.objects.filter(pk=held.pk).update(state=PostState.PENDING)
    client.force_login(member)

    row = _row(client.get("/").text, thread)

    assert "new</" not in row and "unread" not in row


def test_opening_the_new_posts_lands_on_the_marker_before_the_first_of_them(
    client, member, other_member
):
    thread = make_thread(author=other_member)
    seen = make_reply(thread=thread, author=other_member, body="Seen before.")
    services.thread_read_mark(user=member, thread=thread, position=seen.position)
    first_new = make_reply(thread=thread, author=other_member, body="Written since.")
    make_reply(thread=thread, author=other_member, body="Also since.")
    client.force_login(member)

    followed = client.get(f"/t/{thread.pk}/{thread.slug}/unread/")

    assert followed.status_code == 302
    assert followed["Location"] == f"{thread.get_absolute_url()}#unread"
    page = client.get(followed["Location"].split("#")[0]).text
    assert page.count(MARKER_ID) == 1
    marker_at = page.index(UNREAD_MARKER)
    assert page.index("Seen before.") < marker_at < page.index("Written since.")
    assert page.index(f'id="post-{first_new.pk}"') > marker_at


def test_the_marker_goes_to_a_later_page_when_the_new_posts_are_there(client, member, other_member):
    thread = make_thread(author=other_member)
    replies = [make_reply(thread=thread, author=other_member) for _ in range(POSTS_PAGE_SIZE)]
    services.thread_read_mark(user=member, thread=thread, position=replies[-1].position)
    first_new = make_reply(thread=thread, author=other_member, body="On a later page.")
    client.force_login(member)

    followed = client.get(f"/t/{thread.pk}/{thread.slug}/unread/")

    location = followed["Location"]
    assert "?after=" in location and location.endswith("#unread")
    page = client.get(location.split("#")[0]).text
    assert page.index(UNREAD_MARKER) < page.index(f'id="post-{first_new.pk}"')


def test_with_nothing_new_the_link_opens_the_thread_at_its_start(client, member, other_member):
    thread = make_thread(author=other_member)
    client.force_login(member)
    assert client.get(f"/t/{thread.pk}/{thread.slug}/unread/")["Location"] == (
        thread.get_absolute_url()
    )
    client.logout()
    assert client.get(f"/t/{thread.pk}/{thread.slug}/unread/")["Location"] == (
        thread.get_absolute_url()
    )


def test_a_page_view_marks_what_it_shows_and_the_marker_then_goes(client, member, other_member):
    thread = make_thread(author=other_member)
    services.thread_read_mark(user=member, thread=thread, position=1)
    newest = make_reply(thread=thread, author=other_member)
    client.force_login(member)

    first = client.get(thread.get_absolute_url()).text
    again = client.get(thread.get_absolute_url()).text

    assert MARKER_ID in first
    assert _mark(member, thread) == newest.position
    assert MARKER_ID not in again


def test_the_marker_is_not_in_the_html_other_readers_share(client, member, other_member):
    thread = make_thread(author=other_member)
    services.thread_read_mark(user=member, thread=thread, position=1)
    make_reply(thread=thread, author=other_member)
    client.force_login(member)
    assert MARKER_ID in client.get(thread.get_absolute_url()).text

    client.force_login(other_member)
    assert MARKER_ID not in client.get(thread.get_absolute_url()).text
    client.logout()
    anonymous = client.get(thread.get_absolute_url()).text
    assert MARKER_ID not in anonymous and "\x00" not in anonymous


def test_a_branch_page_shows_the_marker_and_marks_its_posts(client, member, other_member):
    thread = make_thread(author=other_member)
    parent = None
    chain = []
    for _ in range(10):
        parent = make_reply(thread=thread, author=other_member, parent=parent)
        chain.append(parent)
    services.thread_read_mark(user=member, thread=thread, position=chain[8].position)
    client.force_login(member)
    # The thread page shows eight levels: the two deepest replies wait on a branch page.
    client.get(thread.get_absolute_url())
    assert _mark(member, thread) == chain[8].position

    followed = client.get(f"/t/{thread.pk}/{thread.slug}/unread/")

    assert followed["Location"].startswith("/p/") and followed["Location"].endswith("#unread")
    branch = client.get(followed["Location"].split("#")[0]).text
    assert branch.index(UNREAD_MARKER) < branch.index(f'id="post-{chain[9].pk}"')
    assert _mark(member, thread) == chain[9].position


# --- the cost ---------------------------------------------------------------------------


def _thread_of(size: int, *, author, title: str) -> Thread:
    thread = make_thread(author=author, title=title)
    for _ in range(size):
        make_reply(thread=thread, author=author)
    return thread


def test_a_members_page_with_new_posts_costs_the_same_queries_whatever_its_size(
    client, member, other_member
):
    counts = {}
    for size in (5, 120):
        thread = _thread_of(size, author=other_member, title=f"Thread of {size}")
        services.thread_read_mark(user=member, thread=thread, position=2)
        client.force_login(member)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(thread.get_absolute_url()).status_code == 200
        writes = [q for q in queries if "threadread" in q["sql"].lower()]
        assert len(writes) == 2  # the page's read of the mark, and the one write
        counts[size] = len(queries)

    assert counts[5] == counts[120], counts


def test_reading_costs_a_member_one_query_and_one_write_at_most(client, member, other_member):
    thread = _thread_of(3, author=other_member, title="Costs")
    client.force_login(member)
    client.get(thread.get_absolute_url())  # the first visit: warms the shared parts
    make_reply(thread=thread, author=other_member)
    client.get(thread.get_absolute_url())

    with CaptureQueriesContext(connection) as unchanged:
        client.get(thread.get_absolute_url())

    inserts = [q for q in unchanged if q["sql"].lstrip().upper().startswith("INSERT")]
    assert inserts == []  # nothing new seen: no write
    reads = [q for q in unchanged if "threadread" in q["sql"].lower()]
    assert len(reads) == 1


def test_a_member_reading_a_page_again_costs_four_queries(client, member, other_member):
    """Their mark, their draft's id and their watch level come with the thread: a page
    read again asks for the member, the thread, their reactions among its posts and
    their unread notifications, and nothing else."""
    from forum.notifications.models import ThreadWatch, WatchLevel

    thread = _thread_of(3, author=other_member, title="Read again")
    ThreadWatch.objects.create(user=member, thread=thread, level=WatchLevel.WATCHING)
    client.force_login(member)
    client.get(thread.get_absolute_url())

    with CaptureQueriesContext(connection) as queries:
        page = client.get(thread.get_absolute_url())

    # Each query's own table is the last one named after FROM: subqueries come before it.
    tables = [re.findall(r'FROM "(\w+)"', q["sql"])[-1] for q in queries]
    assert tables == [
        "accounts_user",
        "threads_thread",
        "threads_reaction",
        "notifications_notification",
    ]
    # What came with the thread is what the page shows.
    watch = re.search(r'<option value="watching"[^>]*>', page.content.decode())
    assert watch is not None and "selected" in watch.group(0)


# --- live updates -----------------------------------------------------------------------


def _updates(client, thread, after, **headers):
    return client.get(f"/t/{thread.pk}/{thread.slug}/updates/", {"after": after}, **headers)


def test_the_thread_page_offers_live_updates_to_members_only(client, member, other_member):
    thread = make_thread(author=other_member)
    client.force_login(member)
    html = client.get(thread.get_absolute_url()).text
    assert f'data-live-url="/t/{thread.pk}/{thread.slug}/updates/"' in html
    assert f'data-live-after="{thread.last_position}"' in html
    assert '<script src="/static/web/live.js" defer></script>' in html
    client.logout()
    html = client.get(thread.get_absolute_url()).text
    assert "data-live-url" not in html and "live.js" not in html


def test_updates_count_new_posts_the_reader_may_see_and_unread_notifications(
    client, member, other_member, django_capture_on_commit_callbacks
):
    thread = make_thread(author=member)
    after = Thread.objects.get(pk=thread.pk).last_position
    with django_capture_on_commit_callbacks(execute=True):
        make_reply(thread=thread, author=other_member)
    held = make_reply(thread=thread, author=other_member)
    Post.objects.filter(pk=held.pk).update(state=PostState.PENDING)
    make_reply(thread=thread, author=member)
    client.force_login(member)

    response = _updates(client, thread, after)

    assert response.status_code == 200
    assert response.json() == {
        "new_posts": 1,
        "notifications_unread": Notification.objects.filter(
            recipient=member, read_at__isnull=True
        ).count(),
    }
    assert response.json()["notifications_unread"] >= 1
    assert "private" in response["Cache-Control"]


def test_updates_answer_304_while_nothing_changed(client, member, other_member):
    thread = make_thread(author=other_member)
    client.force_login(member)
    first = _updates(client, thread, 1)
    etag = first["ETag"]

    unchanged = _updates(client, thread, 1, HTTP_IF_NONE_MATCH=etag)
    make_reply(thread=thread, author=other_member)
    changed = _updates(client, thread, 1, HTTP_IF_NONE_MATCH=etag)

    assert first.json() == {"new_posts": 0, "notifications_unread": 0}
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert changed.status_code == 200 and changed.json()["new_posts"] == 1
    assert changed["ETag"] != etag


def test_an_unchanged_answer_counts_no_posts(client, member, other_member):
    thread = make_thread(author=other_member)
    client.force_login(member)
    etag = _updates(client, thread, 1)["ETag"]
    with CaptureQueriesContext(connection) as queries:
        assert _updates(client, thread, 1, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert not any('FROM "threads_post"' in q["sql"] for q in queries)


def test_updates_refuse_hidden_threads_anonymous_readers_and_bad_positions(
    client, member, other_member
):
    hidden = make_thread(author=other_member)
    Thread.objects.filter(pk=hidden.pk).update(state=PostState.HIDDEN)
    thread = make_thread(author=other_member)

    assert _updates(client, thread, 1).status_code == 401
    client.force_login(member)
    assert _updates(client, hidden, 1).status_code == 404
    missing = client.get("/t/999999/nothing/updates/", {"after": 1})
    assert missing.status_code == 404
    for bad in ("", "-1", "x", "1" * 11):
        refused = _updates(client, thread, bad)
        assert refused.status_code == 400
        assert refused.json()["error"]["fields"]["after"]
    assert client.post(f"/t/{thread.pk}/{thread.slug}/updates/").status_code == 405


def test_a_reply_approved_after_the_reader_read_past_it_is_shown_as_new(
    client, member, other_member, moderator
):
    """Held for approval while the reader read the thread to its end, then approved: the
    list says "1 new", the unread link opens the page at the marker before it, and
    reading that page leaves nothing new."""
    thread = make_thread(author=other_member, title="Held reply")
    held = make_reply(thread=thread, author=other_member, body="Held for a while.")
    thread_services.post_set_state(post=held, state=PostState.PENDING, reason="held")
    make_reply(thread=thread, author=other_member, body="Written after it.")
    client.force_login(member)
    client.get(thread.get_absolute_url())
    assert "new</" not in _row(client.get("/").text, thread)

    actions.perform("approve", actor=moderator, target=Post.objects.get(pk=held.pk))

    assert ">1 new</a>" in _row(client.get("/").text, thread)
    followed = client.get(f"/t/{thread.pk}/{thread.slug}/unread/")
    assert followed["Location"] == f"{thread.get_absolute_url()}#unread"
    page = client.get(followed["Location"].split("#")[0]).text
    assert page.count(MARKER_ID) == 1
    assert page.index(UNREAD_MARKER) < page.index(f'id="post-{held.pk}"')
    assert "new</" not in _row(client.get("/").text, thread)
