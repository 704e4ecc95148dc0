"""A post's revisions and the diff between two of them, through the API."""

import pytest

from forum.threads.models import PostState
from forum.threads.services import post_edit, post_set_state
from tests.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def edited(member, category):
    thread = make_thread(author=member, category=category, title="Revisions", body="one\ntwo")
    post = thread.opening_post
    post_edit(editor=member, post=post, body="one\n2\nthree", reason="Fix")
    post_edit(editor=member, post=post, body="one\n2\nthree\nfour", title="Revised title")
    return post


def test_revisions_list_oldest_first_with_editors_and_reasons(api, member, edited):
    api.force_authenticate(member)

    body = api.get(f"/api/v1/posts/{edited.pk}/revisions/").json()

    assert [r["number"] for r in body["results"]] == [1, 2, 3]
    assert body["results"][1]["reason"] == "Fix"
    assert body["results"][2]["title"] == "Revised title"
    assert body["results"][0]["editor"]["username"] == "member"
    assert body["results"][0]["body_source"] == "one\ntwo"
    assert body["next"] is None


def test_revisions_page_by_cursor(api, member, edited):
    api.force_authenticate(member)

    first = api.get(f"/api/v1/posts/{edited.pk}/revisions/", {"page_size": 2}).json()
    second = api.get(first["next"]).json()

    assert [r["number"] for r in first["results"] + second["results"]] == [1, 2, 3]


def test_diff_is_unified_and_structured(api, member, edited):
    api.force_authenticate(member)

    diff = api.get(f"/api/v1/posts/{edited.pk}/diff/", {"old": 1, "new": 2}).json()

    assert diff["old"] == 1 and diff["new"] == 2
    assert "-two" in diff["unified"].splitlines()
    assert "+2" in diff["unified"].splitlines()
    assert "+three" in diff["unified"].splitlines()
    ops = [(c["op"], c["old_lines"], c["new_lines"]) for c in diff["changes"]]
    assert ops == [("equal", ["one"], ["one"]), ("replace", ["two"], ["2", "three"])]


def test_diff_defaults_to_the_latest_change_and_names_titles(api, member, edited):
    api.force_authenticate(member)

    diff = api.get(f"/api/v1/posts/{edited.pk}/diff/").json()

    assert (diff["old"], diff["new"]) == (2, 3)
    assert diff["new_title"] == "Revised title"
    assert diff["changes"][-1] == {
        "op": "insert",
        "old_start": 4,
        "old_lines": [],
        "new_start": 4,
        "new_lines": ["four"],
    }


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"old": 3, "new": 1}, 400, "old"),
        ({"old": 0}, 400, "old"),
        ({"new": "x"}, 400, "new"),
        ({"old": 1, "new": 9}, 404, None),
    ],
)
def test_bad_revision_numbers(api, member, edited, params, status, field):
    api.force_authenticate(member)

    response = api.get(f"/api/v1/posts/{edited.pk}/diff/", params)

    assert response.status_code == status
    if field:
        assert field in response.json()["error"]["fields"]


def test_history_of_hidden_posts_is_a_404_to_others_and_open_to_moderators(
    api, member, other_member, moderator, category
):
    thread = make_thread(author=member, category=category)
    post = make_reply(thread=thread, author=member, body="Original")
    post_edit(editor=member, post=post, body="Second")
    post_set_state(post=post, state=PostState.HIDDEN)

    for who, status in ((None, 404), (other_member, 404), (member, 200), (moderator, 200)):
        api.force_authenticate(who)
        for url in (f"/api/v1/posts/{post.pk}/revisions/", f"/api/v1/posts/{post.pk}/diff/"):
            assert api.get(url).status_code == status, (who, url)


def test_editing_through_the_api_stores_a_revision(api, member, category):
    thread = make_thread(author=member, category=category)
    api.force_authenticate(member)

    edited = api.patch(
        f"/api/v1/posts/{thread.opening_post_id}/",
        {"body": "New text", "reason": "typo", "title": "A better title"},
    )

    assert edited.status_code == 200, edited.content
    assert edited.json()["revision_count"] == 2
    diff = api.get(f"/api/v1/posts/{thread.opening_post_id}/diff/").json()
    assert diff["new_title"] == "A better title"
    assert "+New text" in diff["unified"]
