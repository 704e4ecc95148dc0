"""What is new to the caller through the API: each thread in a list carries `unread` and
`last_read_post_id`, counted in one query for the page; POST threads/{id}/read/ moves the
mark forward only, refuses what the caller may not see; reading posts marks nothing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum.threads.models import Post, PostState, Thread, ThreadRead
from forum.threads.unread import services
from tests.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db


def _listed(api, thread) -> dict:
    results = api.get("/api/v1/threads/").json()["results"]
    return next(item for item in results if item["id"] == thread.pk)


def test_threads_in_a_list_carry_what_is_new_to_the_caller(api, member, other_member):
    thread = make_thread(author=other_member)
    first = make_reply(thread=thread, author=other_member)
    services.thread_read_mark(user=member, thread=thread, position=first.position)
    make_reply(thread=thread, author=other_member)
    make_reply(thread=thread, author=member)
    held = make_reply(thread=thread, author=other_member)
    Post.objects.filter(pk=held.pk).update(state=PostState.HIDDEN)
    unopened = make_thread(author=other_member, title="Unopened")

    anonymous = _listed(api, thread)
    api.force_authenticate(member)
    listed = _listed(api, thread)

    assert (anonymous["unread"], anonymous["last_read_post_id"]) == (None, None)
    assert (listed["unread"], listed["last_read_post_id"]) == (1, first.pk)
    never = _listed(api, unopened)
    assert (never["unread"], never["last_read_post_id"]) == (None, None)


def test_a_page_of_threads_counts_what_is_new_in_one_query(api, member, other_member):
    counts = {}
    for size in (3, 30):
        for number in range(size):
            thread = make_thread(author=other_member, title=f"{size}: {number}")
            services.thread_read_mark(user=member, thread=thread, position=1)
            make_reply(thread=thread, author=other_member)
        api.force_authenticate(member)
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/api/v1/threads/", {"page_size": size})
        assert response.status_code == 200
        assert all(item["unread"] == 1 for item in response.json()["results"])
        counts[size] = len(queries)
    assert counts[3] == counts[30], counts


def test_marking_read_moves_forward_only_and_answers_the_mark(api, member, other_member):
    thread = make_thread(author=other_member)
    replies = [make_reply(thread=thread, author=other_member) for _ in range(3)]
    api.force_authenticate(member)
    url = f"/api/v1/threads/{thread.pk}/read/"

    marked = api.post(url, {"post_id": replies[1].pk}, format="json")
    back = api.post(url, {"post_id": replies[0].pk}, format="json")

    assert marked.status_code == back.status_code == 200
    assert (
        marked.json()
        == back.json()
        == {"thread_id": thread.pk, "last_read_post_id": replies[1].pk, "unread": 1}
    )
    assert _listed(api, thread)["unread"] == 1


def test_reading_posts_through_the_api_marks_nothing(api, member, other_member):
    thread = make_thread(author=other_member)
    make_reply(thread=thread, author=other_member)
    api.force_authenticate(member)

    assert api.get(f"/api/v1/threads/{thread.pk}/posts/").status_code == 200
    assert api.get(f"/api/v1/threads/{thread.pk}/").status_code == 200

    assert not ThreadRead.objects.filter(user=member).exists()


def test_marking_read_refuses_in_the_one_error_body(api, member, other_member):
    thread = make_thread(author=other_member)
    hidden_thread = make_thread(author=other_member)
    Thread.objects.filter(pk=hidden_thread.pk).update(state=PostState.HIDDEN)
    elsewhere = make_thread(author=other_member).opening_post_id
    held = make_reply(thread=thread, author=other_member)
    Post.objects.filter(pk=held.pk).update(state=PostState.PENDING)
    url = f"/api/v1/threads/{thread.pk}/read/"

    assert api.post(url, {"post_id": thread.opening_post_id}, format="json").status_code == 401
    api.force_authenticate(member)
    hidden = api.post(
        f"/api/v1/threads/{hidden_thread.pk}/read/",
        {"post_id": hidden_thread.opening_post_id},
        format="json",
    )
    assert hidden.status_code == 404
    for post_id in (elsewhere, held.pk, 999_999_999):
        refused = api.post(url, {"post_id": post_id}, format="json")
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "bad_post"
        assert refused.json()["error"]["fields"] == {
            "post_id": ["There is no such post in this thread."]
        }
    for body in ({}, {"post_id": "1"}, {"post_id": 0}, {"post_id": 1, "extra": 1}):
        assert api.post(url, body, format="json").status_code == 400
    assert not ThreadRead.objects.filter(user=member).exists()
