"""A member's profile page: their threads and replies as the viewer may read them, what
anyone may count of them, and the trust level for moderators only."""

import pytest

from forum.accounts.models import CategoryModerator
from forum.threads.models import PostState
from forum.threads.services import post_set_state, reaction_add
from tests.factories import CategoryFactory, ModeratorFactory, UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(member, other_member, category):
    own = make_thread(
        author=member, category=category, title="Own analysis", body="Opening *words*"
    )
    theirs = make_thread(author=other_member, category=category, title="Their question")
    visible = make_reply(thread=theirs, author=member, body="A **visible** answer")
    hidden = make_reply(thread=theirs, author=member, body="A secret answer")
    post_set_state(post=hidden, state=PostState.HIDDEN, reason="Off topic")
    reaction_add(user=other_member, post=visible, kind="insightful")
    return {"own": own, "visible": visible, "hidden": hidden}


def test_threads_and_replies_are_shown_in_tabs_with_excerpts(client, member, activity):
    threads = client.get("/u/member/").text
    replies = client.get("/u/member/?show=replies").text

    assert "Own analysis" in threads and "Opening words" in threads
    assert "Their question" not in threads
    assert "Their question" in replies and "A visible answer" in replies
    assert "**visible**" not in replies
    assert f'href="/p/{activity["visible"].pk}/"' in replies
    assert 'aria-current="page">Replies' in replies


def test_hidden_posts_show_only_to_their_author_and_moderators_of_the_category(
    client, member, other_member, activity, category
):
    scoped = ModeratorFactory(username="scoped")
    CategoryModerator.objects.create(moderator=scoped, category=category)
    elsewhere = ModeratorFactory(username="elsewhere_mod")
    CategoryModerator.objects.create(moderator=elsewhere, category=CategoryFactory(slug="other"))

    for viewer, sees in ((None, False), (other_member, False), (elsewhere, False)):
        if viewer is not None:
            client.force_login(viewer)
        assert ("A secret answer" in client.get("/u/member/?show=replies").text) is sees
    for viewer in (member, scoped):
        client.force_login(viewer)
        page = client.get("/u/member/?show=replies").text
        assert "A secret answer" in page and "Hidden" in page


def test_the_profile_counts_what_anyone_may_read_and_the_reactions_received(
    client, member, activity
):
    page = client.get("/u/member/").text

    assert "1 thread · 1 reply" in page
    assert "Insightful <strong>1</strong>" in page
    assert "@member · Member · joined" in page


def test_only_moderators_see_the_trust_level(client, member, other_member, moderator):
    assert "trust level" not in client.get("/u/member/").text
    for viewer in (member, other_member):
        client.force_login(viewer)
        assert "trust level" not in client.get("/u/member/").text

    client.force_login(moderator)
    assert "trust level 2" in client.get("/u/member/").text


def test_pages_of_replies_and_bad_input(client, member, other_member, category):
    thread = make_thread(author=other_member, category=category)
    for number in range(21):
        make_reply(thread=thread, author=member, body=f"Reply number {number}")

    first = client.get("/u/member/?show=replies").text
    second = client.get("/u/member/?show=replies&page=2").text

    assert "Reply number 20" in first and "Reply number 0<" not in first
    assert "Reply number 0<" in second and 'rel="prev"' in second
    assert client.get("/u/member/?show=nonsense&page=x").status_code == 200


def test_a_deactivated_member_has_no_profile(client):
    UserFactory(username="gone", is_active=False)

    assert client.get("/u/gone/").status_code == 404


@pytest.mark.parametrize("name", ["%00", "member%00", "mem%20ber", "%F0%9F%98%80"])
def test_a_name_no_username_could_be_has_no_profile(client, member, name):
    assert client.get(f"/u/{name}/").status_code == 404
