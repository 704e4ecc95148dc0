"""One vocabulary: a request names a thing as the responses do; a post read carries its
Markdown `body` for whoever may edit it; deprecated names still work and say so."""

import datetime as dt

import pytest

from forum.accounts.services import token_create
from forum.threads.models import Post
from moderation import actions
from tests.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db


def test_a_reply_names_its_parent_as_responses_do(api, member, category):
    thread = make_thread(author=member, category=category)
    first = make_reply(thread=thread, author=member, body="First")
    api.force_authenticate(member)

    response = api.post(
        f"/api/v1/threads/{thread.pk}/posts/", {"body": "Second", "parent_id": first.pk}
    )

    assert response.status_code == 201
    assert response.json()["parent_id"] == first.pk
    assert "Deprecation" not in response
    assert Post.objects.get(pk=response.json()["id"]).parent_id == first.pk


def test_the_deprecated_parent_still_works_and_says_it_is_deprecated(api, member, category):
    thread = make_thread(author=member, category=category)
    first = make_reply(thread=thread, author=member, body="First")
    api.force_authenticate(member)

    response = api.post(f"/api/v1/threads/{thread.pk}/posts/", {"body": "Old", "parent": first.pk})

    assert response.status_code == 201
    assert response.json()["parent_id"] == first.pk
    stamp = int(dt.datetime(2026, 12, 5, tzinfo=dt.UTC).timestamp())
    assert response["Deprecation"] == f"@{stamp}"
    assert response["Link"] == '</api/redoc/#section/Versioning-and-deprecation>; rel="deprecation"'


def test_parent_and_parent_id_that_disagree_are_a_400(api, member, category):
    thread = make_thread(author=member, category=category)
    one, two = (make_reply(thread=thread, author=member, body=f"R{n}") for n in range(2))
    api.force_authenticate(member)

    response = api.post(
        f"/api/v1/threads/{thread.pk}/posts/",
        {"body": "Which?", "parent": one.pk, "parent_id": two.pk},
    )

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"parent"}
    assert Post.objects.filter(thread=thread).count() == 3


def test_the_schema_marks_parent_deprecated(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    reply = schema["components"]["schemas"]["ReplyCreateRequest"]["properties"]
    assert reply["parent"]["deprecated"] is True
    assert "deprecated" not in reply["parent_id"]


def test_a_post_read_carries_its_markdown_for_whoever_may_edit_it(
    api, member, other_member, moderator, category
):
    thread = make_thread(author=member, category=category)
    post = make_reply(thread=thread, author=member, body="Some **bold** words")
    url = f"/api/v1/posts/{post.pk}/"

    sources = {}
    for who in (member, moderator, other_member, None):
        api.force_authenticate(who)
        sources[who.username if who else "anonymous"] = api.get(url).json()["body"]
    actions.perform("lock", actor=moderator, target=thread, reason="Cooling off")
    api.force_authenticate(member)
    locked = api.get(url).json()["body"]

    assert sources == {
        "member": "Some **bold** words",
        "mod": "Some **bold** words",
        "other": None,
        "anonymous": None,
    }
    assert locked is None  # the author may not edit in a locked thread


def test_an_edit_answers_with_the_new_markdown(api, member, category):
    thread = make_thread(author=member, category=category)
    post = make_reply(thread=thread, author=member, body="Before")
    api.force_authenticate(member)
    read = api.get(f"/api/v1/posts/{post.pk}/").json()

    edited = api.patch(
        f"/api/v1/posts/{post.pk}/", {"body": read["body"] + ", and after"}, format="json"
    )

    assert edited.status_code == 200
    assert edited.json()["body"] == "Before, and after"


@pytest.mark.parametrize("scheme", ["Token", "Basic", "token"])
def test_a_token_sent_under_another_scheme_is_told_to_use_bearer(api, member, scheme):
    _, token = token_create(user=member, name="ci")

    response = api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"{scheme} {token}")

    assert response.status_code == 401
    assert response.json()["error"] == {
        "code": "authentication_failed",
        "message": "Send the token as 'Authorization: Bearer <token>'; "
        "no other Authorization scheme is accepted.",
    }
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_a_revision_names_its_markdown_body_and_keeps_the_deprecated_name(api, member, category):
    thread = make_thread(author=member, category=category)
    post = make_reply(thread=thread, author=member, body="First words")
    api.force_authenticate(member)

    revision = api.get(f"/api/v1/posts/{post.pk}/revisions/").json()["results"][0]
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    assert revision["body"] == revision["body_source"] == "First words"
    fields = schema["components"]["schemas"]["Revision"]["properties"]
    assert fields["body_source"]["deprecated"] is True
    assert "deprecated" not in fields["body"]
