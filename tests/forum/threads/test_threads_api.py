"""The threads API: reads, writes and the one error body."""

import pytest
from rest_framework.test import APIClient

from forum.threads.models import Post, Thread
from tests.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_create_thread_and_reply_through_the_api(api, member, category):
    api.force_authenticate(member)

    created = api.post(
        "/api/v1/threads/",
        {"category": category.slug, "title": "Via the API", "body": "Hello **there**"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    thread_id = created.json()["id"]

    reply = api.post(f"/api/v1/threads/{thread_id}/posts/", {"body": "Reply"}, format="json")
    assert reply.status_code == 201
    nested = api.post(
        f"/api/v1/threads/{thread_id}/posts/",
        {"body": "Nested", "parent_id": reply.json()["id"]},
        format="json",
    )
    assert nested.json()["depth"] == 2

    listing = api.get(f"/api/v1/threads/{thread_id}/posts/").json()
    assert [p["depth"] for p in listing["results"]] == [0, 1, 2]
    assert "<strong>there</strong>" in listing["results"][0]["body_html"]


def test_validation_errors_share_one_body_and_name_the_field(api, member, category):
    api.force_authenticate(member)

    response = api.post(
        "/api/v1/threads/",
        {"category": category.slug, "title": "x" * 201, "body": "Body"},
        format="json",
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "too_long"
    assert "title" in error["fields"]
    assert not Thread.objects.exists()


def test_unknown_category_and_missing_fields(api, member):
    api.force_authenticate(member)

    response = api.post("/api/v1/threads/", {"category": "nope"}, format="json")

    error = response.json()["error"]
    assert response.status_code == 400
    assert set(error["fields"]) == {"category", "title", "body"}


def test_malformed_json_and_invalid_utf8_are_clear_400s(api, member):
    api.force_authenticate(member)

    for payload in (b'{"title": ', b'{"title": "\xff\xfe"}'):
        response = api.post("/api/v1/threads/", payload, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "parse_error"


def test_null_characters_are_refused_by_field(api, member, category):
    api.force_authenticate(member)

    response = api.post(
        "/api/v1/threads/",
        {"category": category.slug, "title": "Fine title", "body": "nul \x00 here"},
        format="json",
    )

    assert response.status_code == 400
    assert "body" in response.json()["error"]["fields"]


def test_parent_from_another_thread_or_unknown_is_the_same_400(api, member):
    api.force_authenticate(member)
    thread = make_thread(author=member)
    elsewhere = make_reply(thread=make_thread(author=member))

    for parent in (elsewhere.pk, 10**9):
        response = api.post(
            f"/api/v1/threads/{thread.pk}/posts/", {"body": "x", "parent_id": parent}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "bad_parent"
    assert Post.objects.filter(thread=thread).count() == 1


def test_anonymous_cannot_write(api, category):
    response = api.post(
        "/api/v1/threads/", {"category": category.slug, "title": "Hi", "body": "x"}, format="json"
    )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_pending_thread_is_a_404_for_others_and_visible_to_its_author(api, newcomer, member):
    thread = make_thread(author=newcomer)

    api.force_authenticate(member)
    assert api.get(f"/api/v1/threads/{thread.pk}/").status_code == 404
    assert api.get(f"/api/v1/threads/{thread.pk}/posts/").status_code == 404
    assert thread.pk not in [t["id"] for t in api.get("/api/v1/threads/").json()["results"]]

    api.force_authenticate(newcomer)
    assert api.get(f"/api/v1/threads/{thread.pk}/").json()["state"] == "pending"


def test_locked_thread_refuses_replies_with_a_reason(api, member):
    thread = make_thread(author=member)
    Thread.objects.filter(pk=thread.pk).update(is_locked=True)
    api.force_authenticate(member)

    response = api.post(f"/api/v1/threads/{thread.pk}/posts/", {"body": "x"}, format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "thread_locked"


def test_schema_and_docs_are_served(api):
    assert api.get("/api/schema/").status_code == 200
    docs = api.get("/api/docs/")
    assert docs.status_code == 200
