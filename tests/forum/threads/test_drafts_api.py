"""Drafts through the API: GET, PUT and DELETE on one draft (a reply's in a thread, or
the new thread's), the list of the caller's own, and nobody else's ever."""

import pytest
from rest_framework.test import APIClient

from forum.threads.models import Draft, PostState, Thread
from tests.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(member):
    client = APIClient()
    client.force_authenticate(member)
    return client


def test_put_keeps_a_reply_draft_and_get_gives_it_back(api, other_member):
    thread = make_thread(author=other_member)
    reply = make_reply(thread=thread, author=other_member)
    url = f"/api/v1/drafts/thread/{thread.pk}/"

    assert api.get(url).status_code == 404
    saved = api.put(url, {"body": "Which source[^1]?", "parent_id": reply.pk}, format="json")
    read = api.get(url)

    assert saved.status_code == 200, saved.json()
    assert read.json() == saved.json()
    assert read.json()["kind"] == "reply"
    assert read.json()["thread_id"] == thread.pk
    assert read.json()["parent_id"] == reply.pk
    assert read.json()["body"] == "Which source[^1]?"
    assert read.json()["updated_at"]


def test_the_new_thread_draft_with_its_category_and_title(api, category):
    saved = api.put(
        "/api/v1/drafts/new-thread/",
        {"title": "Rail traffic", "body": "## 1. Sources", "category": category.slug},
        format="json",
    )

    assert saved.status_code == 200, saved.json()
    assert saved.json()["kind"] == "thread"
    assert saved.json()["category"] == category.slug
    assert saved.json()["title"] == "Rail traffic"
    bad = api.put(
        "/api/v1/drafts/new-thread/", {"title": "x", "body": "", "category": "nope"}, format="json"
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "bad_category"


def test_a_body_past_a_posts_limit_is_a_400_naming_it(api, member, settings):
    settings.PARLEY = {**settings.PARLEY, "BODY_MAX_LENGTH": 400}
    thread = make_thread(author=member)

    too_long = api.put(f"/api/v1/drafts/thread/{thread.pk}/", {"body": "x" * 401}, format="json")
    at_limit = api.put(f"/api/v1/drafts/thread/{thread.pk}/", {"body": "x" * 400}, format="json")

    assert too_long.status_code == 400
    assert too_long.json()["error"]["code"] == "too_long"
    assert "body" in too_long.json()["error"]["fields"]
    assert at_limit.status_code == 200


def test_bad_input_is_a_400_never_a_500(api, member):
    thread = make_thread(author=member)
    url = f"/api/v1/drafts/thread/{thread.pk}/"

    for body in (
        {"body": 12},
        {"body": "x", "parent_id": "one"},
        {"body": "x", "updated_at": "yesterday"},
        {"body": "x", "colour": "red"},
        {"body": ""},
        {"body": "x", "parent_id": 999999999},
    ):
        response = api.put(url, body, format="json")
        assert response.status_code == 400, (body, response.json())


def test_a_newer_draft_from_another_device_is_not_overwritten(api, member):
    thread = make_thread(author=member)
    url = f"/api/v1/drafts/thread/{thread.pk}/"
    laptop = api.put(url, {"body": "From the laptop"}, format="json").json()
    phone = api.put(
        url, {"body": "From the phone", "updated_at": laptop["updated_at"]}, format="json"
    ).json()

    stale = api.put(
        url, {"body": "Laptop, old copy", "updated_at": "2000-01-01T00:00:00Z"}, format="json"
    )

    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "draft_changed"
    assert api.get(url).json()["body"] == "From the phone"
    # Without updated_at, the caller saves regardless.
    assert api.put(url, {"body": "Overwrite"}, format="json").status_code == 200
    assert phone["updated_at"] >= laptop["updated_at"]


def test_a_copy_of_a_draft_posted_elsewhere_is_a_409_and_stays_gone(api, member, other_member):
    thread = make_thread(author=other_member)
    url = f"/api/v1/drafts/thread/{thread.pk}/"
    copy = api.put(url, {"body": "Nearly done"}, format="json").json()
    posted = api.post(f"/api/v1/threads/{thread.pk}/posts/", {"body": "Done"}, format="json")

    late = api.put(url, {"body": "Done", "updated_at": copy["updated_at"]}, format="json")

    assert posted.status_code == 201
    assert late.status_code == 409
    assert late.json()["error"] == {
        "code": "draft_gone",
        "message": "This draft was posted or discarded elsewhere.",
    }
    assert api.get(url).status_code == 404


def test_nobody_reads_or_discards_anothers_draft(api, member, other_member):
    thread = make_thread(author=member)
    api.put(f"/api/v1/drafts/thread/{thread.pk}/", {"body": "Private"}, format="json")
    api.put("/api/v1/drafts/new-thread/", {"title": "Private too", "body": ""}, format="json")
    other = APIClient()
    other.force_authenticate(other_member)

    assert other.get(f"/api/v1/drafts/thread/{thread.pk}/").status_code == 404
    assert other.get("/api/v1/drafts/new-thread/").status_code == 404
    assert other.get("/api/v1/drafts/").json()["results"] == []
    assert other.delete(f"/api/v1/drafts/thread/{thread.pk}/").status_code == 204
    assert Draft.objects.filter(user=member).count() == 2
    assert APIClient().get("/api/v1/drafts/").status_code in (401, 403)


def test_no_draft_for_a_thread_the_caller_cannot_see(api, other_member):
    hidden = make_thread(author=other_member)
    Thread.objects.filter(pk=hidden.pk).update(state=PostState.HIDDEN)

    response = api.put(f"/api/v1/drafts/thread/{hidden.pk}/", {"body": "x"}, format="json")

    assert response.status_code == 404
    assert not Draft.objects.exists()


def test_delete_discards_and_posting_deletes(api, member, other_member):
    thread = make_thread(author=other_member)
    url = f"/api/v1/drafts/thread/{thread.pk}/"
    api.put(url, {"body": "Discard me"}, format="json")

    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert api.delete(url).status_code == 204  # nothing to discard: no change

    api.put(url, {"body": "Post me"}, format="json")
    posted = api.post(f"/api/v1/threads/{thread.pk}/posts/", {"body": "Post me"}, format="json")
    assert posted.status_code == 201
    assert api.get(url).status_code == 404


def test_the_list_is_paginated_latest_first(api, member):
    threads = [make_thread(author=member, title=f"Thread {n}") for n in range(3)]
    for thread in threads:
        api.put(f"/api/v1/drafts/thread/{thread.pk}/", {"body": "x"}, format="json")

    first = api.get("/api/v1/drafts/?page_size=2").json()
    second = api.get(first["next"]).json()

    assert [row["thread_id"] for row in first["results"] + second["results"]] == [
        threads[2].pk,
        threads[1].pk,
        threads[0].pk,
    ]
    assert second["next"] is None
    assert api.get("/api/v1/drafts/?cursor=nonsense").status_code == 400
