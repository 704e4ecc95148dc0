"""A member's activity as a profile lists it: only what the viewer may read, and counts
that are the same for everyone."""

import pytest
from django.contrib.auth.models import AnonymousUser

from forum.accounts.models import CategoryModerator
from forum.core import permissions
from forum.core.errors import NotFound
from forum.threads import activity
from forum.threads.models import PostState
from forum.threads.services import post_delete, post_set_state, reaction_add, thread_set_state
from tests.factories import CategoryFactory, ModeratorFactory, UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def writing(member, other_member, category):
    """`member`'s posts in every state, in `category` and in another one."""
    elsewhere = CategoryFactory(slug="elsewhere")
    theirs = make_thread(author=other_member, category=category, title="Their thread")
    own = make_thread(author=member, category=category, title="Own thread", body="Own opening.")
    posts = {"visible": make_reply(thread=theirs, author=member, body="Visible *words*")}
    for state in (PostState.PENDING, PostState.HIDDEN, PostState.REMOVED):
        posts[state] = make_reply(thread=theirs, author=member, body=f"Secret {state} words")
        post_set_state(post=posts[state], state=state)
    posts["deleted"] = make_reply(thread=theirs, author=member, body="Secret deleted words")
    post_delete(actor=member, post=posts["deleted"])
    third = UserFactory(username="third")
    taken_down = make_thread(author=third, category=elsewhere, title="Taken down")
    posts["in hidden thread"] = make_reply(
        thread=taken_down, author=member, body="Secret words in a hidden thread"
    )
    thread_set_state(thread=taken_down, state=PostState.HIDDEN)
    return {"own": own, "posts": posts, "category": category, "elsewhere": elsewhere}


def _shown(viewer, member, kind):
    rows = activity.member_posts(viewer=viewer, member=member, kind=kind)
    return [entry.excerpt for entry in activity.activity_entries(rows)]


def test_anyone_else_sees_only_the_visible_posts(member, other_member, writing):
    for viewer in (AnonymousUser(), other_member):
        assert _shown(viewer, member, "replies") == ["Visible words"]
        assert _shown(viewer, member, "threads") == ["Own opening."]
        assert not any("Secret" in text for text in _shown(viewer, member, None))


def test_the_member_sees_their_own_posts_under_review_but_not_deleted_ones(member, writing):
    shown = _shown(member, member, "replies")

    assert shown == [
        "Secret removed words",
        "Secret hidden words",
        "Secret pending words",
        "Visible words",
    ]


def test_a_category_moderator_sees_what_is_hidden_in_their_categories_only(member, writing):
    in_scope = ModeratorFactory(username="scoped")
    CategoryModerator.objects.create(moderator=in_scope, category=writing["category"])
    out_of_scope = ModeratorFactory(username="elsewhere_mod")
    CategoryModerator.objects.create(moderator=out_of_scope, category=writing["elsewhere"])

    seen_in_scope = _shown(in_scope, member, "replies")
    seen_out_of_scope = _shown(out_of_scope, member, "replies")

    assert set(seen_in_scope) == {
        "Visible words",
        "Secret pending words",
        "Secret hidden words",
        "Secret removed words",
        "Secret deleted words",
    }
    assert seen_out_of_scope == ["Secret words in a hidden thread", "Visible words"]


def test_threads_and_replies_are_apart_newest_first(member, other_member, category):
    first = make_thread(author=member, category=category, title="First")
    second = make_thread(author=member, category=category, title="Second")
    reply = make_reply(thread=first, author=member)
    make_reply(thread=first, author=other_member)

    threads = activity.member_posts(viewer=AnonymousUser(), member=member, kind="threads")
    replies = activity.member_posts(viewer=AnonymousUser(), member=member, kind="replies")

    assert [post.thread.title for post in threads] == ["Second", "First"]
    assert [post.pk for post in replies] == [reply.pk]
    assert {post.thread_id for post in threads} == {first.pk, second.pk}


def test_totals_count_what_anyone_may_read_with_the_reactions_received(
    member, other_member, writing
):
    reader = UserFactory(username="reader")
    visible = writing["posts"]["visible"]
    reaction_add(user=other_member, post=visible, kind="insightful")
    reaction_add(user=reader, post=visible, kind="insightful")
    reaction_add(user=reader, post=writing["own"].opening_post, kind="sources")
    # Reactions a post kept when it was hidden are not counted with it.
    hidden_later = make_reply(thread=writing["own"], author=member)
    reaction_add(user=reader, post=hidden_later, kind="agree")
    post_set_state(post=hidden_later, state=PostState.HIDDEN)

    totals = activity.member_activity_totals(member=member)

    assert (totals.thread_count, totals.reply_count, totals.post_count) == (1, 1, 2)
    assert totals.reactions_received == {"insightful": 2, "agree": 0, "disagree": 0, "sources": 1}


def test_a_deactivated_member_has_no_profile_and_a_sanctioned_one_keeps_it(member):
    UserFactory(username="gone", is_active=False)

    with pytest.raises(NotFound):
        activity.member_get(username="gone")
    with pytest.raises(NotFound):
        activity.member_get(username="nobody")
    assert activity.member_get(username="member") == member


def test_only_moderators_see_trust_levels(member, other_member, moderator):
    assert permissions.can_see_trust_level(moderator, member)
    assert not permissions.can_see_trust_level(other_member, member)
    assert not permissions.can_see_trust_level(AnonymousUser(), member)
