"""Public profiles: what anyone may know of a member, and nothing more."""

import pytest

from forum.threads.models import PostState
from forum.threads.services import post_delete, post_set_state, reaction_add, thread_set_state
from tests.factories import UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


def test_profile_shows_public_facts_and_never_the_email(api, member, category):
    member.display_name = "Mem Ber"
    member.bio = "Writes about satellites."
    member.save()

    body = api.get("/api/v1/users/member/").json()

    assert body == {
        "username": "member",
        "display_name": "Mem Ber",
        "bio": "Writes about satellites.",
        "joined": body["joined"],
        "role": "member",
        "post_count": 0,
        "thread_count": 0,
        "reply_count": 0,
        "reactions_received": {"insightful": 0, "agree": 0, "disagree": 0, "sources": 0},
    }
    assert "@" not in str(body)


def test_only_moderators_are_told_a_members_trust_level(api, member, other_member, moderator):
    for viewer in (None, other_member, member):
        api.force_authenticate(viewer)
        assert "trust_level" not in api.get("/api/v1/users/member/").json()

    api.force_authenticate(moderator)
    assert api.get("/api/v1/users/member/").json()["trust_level"] == 2


def test_the_profile_counts_threads_replies_and_reactions_received(
    api, member, other_member, category
):
    thread = make_thread(author=member, category=category)
    reply = make_reply(thread=thread, author=member)
    reaction_add(user=other_member, post=reply, kind="agree")

    body = api.get("/api/v1/users/member/").json()

    assert (body["thread_count"], body["reply_count"], body["post_count"]) == (1, 1, 2)
    assert body["reactions_received"]["agree"] == 1


def test_post_count_counts_only_what_anyone_may_read(api, member, other_member, category):
    thread = make_thread(author=member, category=category)
    make_reply(thread=thread, author=member)
    for state in (PostState.PENDING, PostState.HIDDEN, PostState.REMOVED):
        post_set_state(post=make_reply(thread=thread, author=member), state=state)
    post_delete(actor=member, post=make_reply(thread=thread, author=member))
    hidden_thread = make_thread(author=member, category=category, title="Hidden one")
    make_reply(thread=hidden_thread, author=member, body="Visible reply in a hidden thread")
    thread_set_state(thread=hidden_thread, state=PostState.HIDDEN)

    for viewer in (None, member, other_member):
        api.force_authenticate(viewer)
        assert api.get("/api/v1/users/member/").json()["post_count"] == 2


def test_inactive_and_unknown_members_are_404s(api):
    UserFactory(username="gone", is_active=False)

    for name in ("gone", "nobody", "x" * 300):
        response = api.get(f"/api/v1/users/{name}/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


# No username holds these: a NUL (which PostgreSQL refuses in any string), a space, an
# emoji. A name in the address is looked up only when it could be someone's.
NAMES_NOBODY_HOLDS = ("%00", "member%00", "mem%20ber", "%F0%9F%98%80")


@pytest.mark.parametrize("name", NAMES_NOBODY_HOLDS)
def test_a_name_no_username_could_be_is_an_unknown_member(api, member, other_member, name):
    api.force_authenticate(other_member)

    for method, path in (
        ("get", f"/api/v1/users/{name}/"),
        ("get", f"/api/v1/users/{name}/posts/"),
        ("put", f"/api/v1/me/mutes/{name}/"),
        ("delete", f"/api/v1/me/mutes/{name}/"),
    ):
        response = getattr(api, method)(path)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"] == {"code": "not_found", "message": "No such member."}


def test_updating_your_own_profile(api, member):
    api.force_authenticate(member)

    response = api.patch("/api/v1/me/", {"display_name": "New Name", "bio": "Hello"})

    assert response.status_code == 200
    assert api.get("/api/v1/users/member/").json()["display_name"] == "New Name"
    too_long = api.patch("/api/v1/me/", {"display_name": "x" * 51})
    assert too_long.status_code == 400
    assert "display_name" in too_long.json()["error"]["fields"]


def _excerpts(api, url):
    return [row["excerpt"] for row in api.get(url).json()["results"]]


def test_a_members_posts_are_what_the_caller_may_read(api, member, other_member, category):
    thread = make_thread(author=member, category=category, body="The *opening*.")
    make_reply(thread=thread, author=member, body="A **visible** reply")
    held = make_reply(thread=thread, author=member, body="Held back words")
    post_set_state(post=held, state=PostState.PENDING)
    elsewhere = make_thread(author=UserFactory(), category=category, title="Taken down")
    make_reply(thread=elsewhere, author=member, body="Words in a hidden thread")
    thread_set_state(thread=elsewhere, state=PostState.HIDDEN)
    url = "/api/v1/users/member/posts/"

    for viewer in (None, other_member):
        api.force_authenticate(viewer)
        assert _excerpts(api, f"{url}?kind=replies") == ["A visible reply"]
        assert _excerpts(api, f"{url}?kind=threads") == ["The opening."]
        assert _excerpts(api, url) == ["A visible reply", "The opening."]
    api.force_authenticate(member)
    assert _excerpts(api, f"{url}?kind=replies") == ["Held back words", "A visible reply"]
    row = api.get(f"{url}?kind=replies").json()["results"][0]
    assert (row["state"], row["is_opening_post"], row["thread"]["id"]) == (
        "pending",
        False,
        thread.pk,
    )


def test_a_members_posts_are_paginated_under_the_contract(api, member, category):
    thread = make_thread(author=member, category=category)
    for number in range(3):
        make_reply(thread=thread, author=member, body=f"Reply {number}")

    first = api.get("/api/v1/users/member/posts/?kind=replies&page_size=2").json()
    second = api.get(first["next"]).json()

    assert [row["excerpt"] for row in first["results"]] == ["Reply 2", "Reply 1"]
    assert [row["excerpt"] for row in second["results"]] == ["Reply 0"]
    assert second["next"] is None


def test_a_members_posts_refuse_an_unknown_kind_and_member(api, member):
    UserFactory(username="gone", is_active=False)

    bad = api.get("/api/v1/users/member/posts/?kind=everything")
    assert bad.status_code == 400
    assert "kind" in bad.json()["error"]["fields"]
    for name in ("gone", "nobody"):
        assert api.get(f"/api/v1/users/{name}/posts/").status_code == 404
