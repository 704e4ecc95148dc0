"""Bookmarks through the API: PUT saves or changes the note, DELETE takes it out, the list
is the caller's own, and what they may not read is a 404 whether hidden or missing."""

import pytest

from forum.threads.models import Bookmark, PostState
from forum.threads.services import post_set_state, thread_set_state
from tests.discussions import make_discussion
from tests.factories import UserFactory, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def reply(other_member, category):
    return make_discussion(author=other_member, category=category)


def test_put_creates_then_changes_the_note(api, member, reply):
    api.force_authenticate(member)
    url = f"/api/v1/posts/{reply.pk}/bookmark/"

    created = api.put(url, {"note": "dates"}, format="json")
    changed = api.put(url, {"note": "checked"}, format="json")

    assert created.status_code == 201
    assert changed.status_code == 200
    assert changed.json() == {
        **created.json(),
        "note": "checked",
        "updated_at": changed.json()["updated_at"],
    }
    assert created.json()["title"] == "Troop movements"
    assert created.json()["excerpt"] == "The March imagery says so."
    assert Bookmark.objects.get().note == "checked"


def test_a_thread_is_bookmarked_and_removed(api, member, reply):
    thread = reply.thread
    api.force_authenticate(member)
    url = f"/api/v1/threads/{thread.pk}/bookmark/"

    saved = api.put(url, {}, format="json")

    assert saved.status_code == 201
    assert (saved.json()["kind"], saved.json()["target_id"], saved.json()["note"]) == (
        "thread",
        thread.pk,
        "",
    )
    assert api.delete(url).status_code == 204
    assert api.delete(url).status_code == 204
    assert not Bookmark.objects.exists()


def test_the_list_is_the_callers_own_newest_first_and_paginated(api, member, other_member, reply):
    api.force_authenticate(other_member)
    api.put(f"/api/v1/posts/{reply.pk}/bookmark/", {"note": "not yours"}, format="json")
    api.force_authenticate(member)
    api.put(f"/api/v1/posts/{reply.pk}/bookmark/", {"note": "first"}, format="json")
    api.put(f"/api/v1/threads/{reply.thread_id}/bookmark/", {"note": "second"}, format="json")

    first = api.get("/api/v1/bookmarks/?page_size=1").json()
    second = api.get(first["next"]).json()

    assert [row["note"] for row in first["results"] + second["results"]] == ["second", "first"]
    assert second["next"] is None


def test_what_the_caller_may_no_longer_read_is_listed_without_its_words(api, member, reply):
    api.force_authenticate(member)
    api.put(f"/api/v1/posts/{reply.pk}/bookmark/", {"note": "mine"}, format="json")
    post_set_state(post=reply, state=PostState.HIDDEN)

    (row,) = api.get("/api/v1/bookmarks/").json()["results"]

    assert row["available"] is False
    assert (row["title"], row["excerpt"], row["url"], row["note"]) == ("", "", "", "mine")
    assert "March" not in str(row) and "Troop" not in str(row)
    # It can still be taken out; bookmarking it again is refused as for a missing post.
    assert api.put(f"/api/v1/posts/{reply.pk}/bookmark/", {}, format="json").status_code == 404
    assert api.delete(f"/api/v1/posts/{reply.pk}/bookmark/").status_code == 204
    assert api.get("/api/v1/bookmarks/").json()["results"] == []


def test_hidden_and_missing_are_the_same_404(api, member, reply):
    api.force_authenticate(member)
    post_set_state(post=reply, state=PostState.REMOVED)
    taken_down = make_thread(author=UserFactory(username="third"), title="Taken down")
    thread_set_state(thread=taken_down, state=PostState.HIDDEN)

    answers = [
        api.put(f"/api/v1/posts/{reply.pk}/bookmark/", {}, format="json"),
        api.put("/api/v1/posts/999999/bookmark/", {}, format="json"),
        api.delete(f"/api/v1/posts/{reply.pk}/bookmark/"),
        api.delete("/api/v1/posts/999999/bookmark/"),
    ]
    thread_answers = [
        api.put(f"/api/v1/threads/{taken_down.pk}/bookmark/", {}, format="json"),
        api.put("/api/v1/threads/999999/bookmark/", {}, format="json"),
    ]

    assert {(a.status_code, a.json()["error"]["message"]) for a in answers} == {
        (404, "No such post.")
    }
    assert {(a.status_code, a.json()["error"]["message"]) for a in thread_answers} == {
        (404, "No such thread.")
    }


def test_bad_notes_and_fields_are_400s(api, member, reply):
    api.force_authenticate(member)
    url = f"/api/v1/posts/{reply.pk}/bookmark/"

    for body, field in (
        ({"note": "x" * 301}, "note"),
        ({"note": 12}, "note"),
        ({"note": "two\nlines"}, "note"),
        ({"colour": "red"}, "colour"),
    ):
        response = api.put(url, body, format="json")
        assert response.status_code == 400, body
        assert field in response.json()["error"]["fields"]
    assert not Bookmark.objects.exists()


def test_anonymous_callers_are_asked_to_sign_in(api, reply):
    assert api.get("/api/v1/bookmarks/").status_code == 401
    assert api.put(f"/api/v1/posts/{reply.pk}/bookmark/", {}, format="json").status_code == 401
    assert api.delete(f"/api/v1/posts/{reply.pk}/bookmark/").status_code == 401
