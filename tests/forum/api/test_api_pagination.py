"""Cursor pagination: every growing list pages by keyset cursors that stay stable while
rows are added, and a cursor the API did not hand out is a 400 in the one error body."""

import base64
import json

import pytest

from forum.notifications.models import Notification
from forum.threads.models import Thread
from moderation.models import ModerationLogEntry
from tests.factories import make_thread
from tests.forum.api.api_data import bulk_replies

pytestmark = pytest.mark.django_db


def _encode(raw) -> str:
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


def _all_pages(api, url, params=None):
    seen, pages = [], 0
    response = api.get(url, params or {})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [row["id"] for row in body["results"]]
        pages += 1
        if body["next"] is None:
            return seen, pages
        response = api.get(body["next"])


def test_thread_list_pages_through_every_thread_once(api, member, category):
    threads = [make_thread(author=member, category=category, title=f"T {n}") for n in range(7)]

    ids, pages = _all_pages(api, "/api/v1/threads/", {"page_size": 3})

    assert pages == 3
    assert ids == [thread.pk for thread in reversed(threads)]


def test_new_threads_while_paging_neither_repeat_nor_shift_a_page(api, member, category):
    for n in range(6):
        make_thread(author=member, category=category, title=f"Old {n}")
    first = api.get("/api/v1/threads/", {"page_size": 3, "order": "newest"}).json()

    for n in range(4):  # written between two page reads
        make_thread(author=member, category=category, title=f"New {n}")
    second = api.get(first["next"]).json()

    first_ids = [row["id"] for row in first["results"]]
    second_ids = [row["id"] for row in second["results"]]
    assert not set(first_ids) & set(second_ids)
    assert second_ids == sorted(second_ids, reverse=True)
    assert max(second_ids) < min(first_ids)


def test_ties_on_the_ordering_field_are_broken_by_id_across_pages(api, member, category):
    threads = [make_thread(author=member, category=category, title=f"T {n}") for n in range(5)]
    same_time = threads[0].created_at
    Thread.objects.update(last_activity_at=same_time, created_at=same_time, reply_count=0)

    for order in ("latest", "newest", "replies"):
        ids, _ = _all_pages(api, "/api/v1/threads/", {"page_size": 2, "order": order})
        assert ids == sorted((t.pk for t in threads), reverse=True), order


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!",
        "é",
        "",
        "x" * 600,
        _encode(["created_at", "2020-01-01T00:00:00+00:00", 1]),  # another ordering's
        _encode(["last_activity_at", "not a date", 1]),
        _encode(["last_activity_at", "2020-01-01T00:00:00", 1]),  # naive
        _encode(["last_activity_at", "2020-01-01T00:00:00+00:00", "one"]),
        _encode(["last_activity_at", "2020-01-01T00:00:00+00:00", 2**70]),
        _encode(["last_activity_at", "2020-01-01T00:00:00+00:00\x00", 1]),
        _encode(["last_activity_at", None, 1]),
        _encode(["last_activity_at", True, 1]),
        _encode({"p": 1}),
        _encode([1, 2]),
    ],
)
def test_a_cursor_the_api_did_not_hand_out_is_a_400(api, member, category, cursor):
    make_thread(author=member, category=category)

    response = api.get("/api/v1/threads/", {"cursor": cursor})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_cursor"
    assert set(error["fields"]) == {"cursor"}


@pytest.mark.parametrize("size", ["0", "101", "-1", "x", "1.5", "٣"])
def test_page_size_out_of_range_is_a_400_naming_it(api, size):
    response = api.get("/api/v1/threads/", {"page_size": size})

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"page_size"}


def test_thread_posts_page_by_after_and_refuse_a_foreign_after(api, member, category):
    thread = make_thread(author=member, category=category)
    bulk_replies(thread, 60, author=member)

    first = api.get(f"/api/v1/threads/{thread.pk}/posts/").json()
    second = api.get(f"/api/v1/threads/{thread.pk}/posts/", {"after": first["next_after"]})

    assert len(first["results"]) == 50
    assert len(second.json()["results"]) == 11
    assert second.json()["next_after"] is None
    for bad in ("../", "A" * 10, "x" * 1000, "0000001\x00"):
        response = api.get(f"/api/v1/threads/{thread.pk}/posts/", {"after": bad})
        assert response.status_code == 400
        assert set(response.json()["error"]["fields"]) == {"after"}


def test_notifications_page_and_refuse_bad_cursors(api, member, other_member, category):
    thread = make_thread(author=member, category=category)
    Notification.objects.bulk_create(
        Notification(recipient=member, kind="reply", thread=thread, collapse_key=f"k{n}")
        for n in range(5)
    )
    api.force_authenticate(member)

    ids, pages = _all_pages(api, "/api/v1/notifications/", {"page_size": 2})

    assert pages == 3
    assert len(set(ids)) == 5
    response = api.get("/api/v1/notifications/", {"cursor": "bad"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_cursor"


def test_moderation_log_pages_and_refuses_bad_cursors(api, moderator, member):
    for n in range(4):
        ModerationLogEntry.objects.create(
            actor=moderator, action="note", target_type="user", target_id=member.pk, reason=f"{n}"
        )
    api.force_authenticate(moderator)

    ids, pages = _all_pages(api, "/api/v1/moderation/log/", {"page_size": 3})

    assert pages == 2
    assert len(ids) == 4
    assert api.get("/api/v1/moderation/log/", {"cursor": "bad"}).status_code == 400
