"""Public profiles: what anyone may know of a member, and nothing more."""

import pytest

from forum.threads.models import PostState
from forum.threads.services import post_delete, post_set_state, thread_set_state
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
        "trust_level": 2,
        "post_count": 0,
    }
    assert "@" not in str(body)


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


def test_updating_your_own_profile(api, member):
    api.force_authenticate(member)

    response = api.patch("/api/v1/me/", {"display_name": "New Name", "bio": "Hello"})

    assert response.status_code == 200
    assert api.get("/api/v1/users/member/").json()["display_name"] == "New Name"
    too_long = api.patch("/api/v1/me/", {"display_name": "x" * 51})
    assert too_long.status_code == 400
    assert "display_name" in too_long.json()["error"]["fields"]
