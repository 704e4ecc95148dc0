"""Who may read and write what: the one permissions module."""

import pytest
from django.contrib.auth.models import AnonymousUser

from forum.core import permissions
from forum.core.errors import NotFound
from forum.threads import services
from forum.threads.models import PostState
from tests.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db

READERS = ("anonymous", "stranger", "author", "moderator")
# (post state, deleted, who may read the post)
WHO_READS = [
    (PostState.VISIBLE, False, {"anonymous", "stranger", "author", "moderator"}),
    (PostState.PENDING, False, {"author", "moderator"}),
    (PostState.HIDDEN, False, {"author", "moderator"}),
    (PostState.REMOVED, False, {"author", "moderator"}),
    (PostState.VISIBLE, True, {"moderator"}),
]


@pytest.fixture
def people(member, other_member, moderator):
    return {
        "anonymous": AnonymousUser(),
        "stranger": other_member,
        "author": member,
        "moderator": moderator,
    }


@pytest.mark.parametrize(("state", "deleted", "who_reads"), WHO_READS)
def test_who_can_read_a_post(people, member, state, deleted, who_reads):
    reply = make_reply(thread=make_thread(author=member), author=member)
    services.post_set_state(post=reply, state=state)
    if deleted:
        services.post_delete(actor=member, post=reply)
    reply.refresh_from_db()

    readers = {name for name in READERS if permissions.can_view_post(people[name], reply)}

    assert readers == who_reads


# A post's history is as public as the post.
@pytest.mark.parametrize(("state", "deleted", "who_sees_history"), WHO_READS)
def test_a_posts_history_is_as_public_as_the_post(
    people, member, moderator, state, deleted, who_sees_history
):
    reply = make_reply(thread=make_thread(author=member), author=member, body="First words.")
    services.post_edit(editor=member, post=reply, body="Second words.")
    services.post_set_state(post=reply, state=state)
    if deleted:
        services.post_delete(actor=member, post=reply)
    reply.refresh_from_db()

    def sees(name: str) -> bool:
        try:
            permissions.check_can_view_post_history(people[name], reply)
        except NotFound:
            return False
        return True

    assert {name for name in READERS if sees(name)} == who_sees_history
    offered = {
        name for name in READERS if permissions.post_capabilities(people[name], reply).history
    }
    assert offered == who_sees_history


def test_query_filters_agree_with_the_object_checks(people, member, newcomer):
    from forum.threads.models import Post

    thread = make_thread(author=member)
    for state in PostState.values:
        services.post_set_state(post=make_reply(thread=thread, author=member), state=state)
    services.post_delete(actor=member, post=make_reply(thread=thread, author=member))
    make_reply(thread=thread, author=newcomer)

    for name in READERS:
        user = people[name]
        by_filter = set(Post.objects.filter(permissions.visible_posts_q(user)))
        by_check = {post for post in Post.objects.all() if permissions.can_view_post(user, post)}
        assert by_filter == by_check, name
