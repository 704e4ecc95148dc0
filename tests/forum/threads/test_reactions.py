"""Reactions: given once per member, post and kind, counted on the post in the same
transaction, refused where the permission authority refuses them, and told to the post's
author as one notification per post."""

import pytest

from forum.accounts.models import Sanction
from forum.core.errors import NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from forum.notifications import services as notification_services
from forum.notifications.models import Notification, ThreadWatch, UserMute, WatchLevel
from forum.threads import selectors, services
from forum.threads.models import Post, PostState, Reaction
from tests.factories import UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(member):
    """A visible reply by `member` in someone else's thread."""
    thread = make_thread()
    return make_reply(thread=thread, author=member, body="The imagery shows three brigades.")


def _fresh(post: Post) -> Post:
    return Post.objects.select_related("thread").get(pk=post.pk)


def test_a_reaction_is_stored_once_counted_and_raises_the_thread_version(post, other_member):
    version = _fresh(post).thread.version

    assert services.reaction_add(user=other_member, post=post, kind="insightful") is True
    assert services.reaction_add(user=other_member, post=post, kind="insightful") is False

    stored = _fresh(post)
    assert Reaction.objects.filter(post=post).count() == 1
    assert stored.reaction_counts == {"insightful": 1}
    assert stored.reaction_total == 1
    assert stored.thread.version == version + 1  # once: the repeat changed nothing
    assert selectors.reaction_counts(stored) == {
        "insightful": 1,
        "agree": 0,
        "disagree": 0,
        "sources": 0,
    }


def test_a_member_gives_several_kinds_and_takes_one_back(post, other_member):
    for kind in ("insightful", "agree", "sources"):
        services.reaction_add(user=other_member, post=post, kind=kind)

    assert services.reaction_remove(user=other_member, post=post, kind="agree") is True
    assert services.reaction_remove(user=other_member, post=post, kind="agree") is False

    stored = _fresh(post)
    assert stored.reaction_counts == {"insightful": 1, "sources": 1}
    assert stored.reaction_total == 2
    assert selectors.my_reactions(user=other_member, post=stored) == ["insightful", "sources"]


def test_counts_add_up_across_members(post):
    readers = UserFactory.create_batch(3)
    for reader in readers:
        services.reaction_add(user=reader, post=post, kind="disagree")
    services.reaction_remove(user=readers[0], post=post, kind="disagree")

    stored = _fresh(post)
    assert stored.reaction_counts == {"disagree": 2}
    assert [r.user_id for r in selectors.reaction_list(post=stored, kind="disagree")] == [
        readers[2].pk,
        readers[1].pk,
    ]


def test_nobody_reacts_to_their_own_post(post, member):
    with pytest.raises(PermissionDenied) as refused:
        services.reaction_add(user=member, post=post, kind="agree")
    assert refused.value.code == "own_post"
    assert not Reaction.objects.exists()


@pytest.mark.parametrize("state", [PostState.HIDDEN, PostState.PENDING, PostState.REMOVED])
def test_a_post_readers_cannot_see_is_not_found(post, other_member, state):
    services.post_set_state(post=post, state=state)

    with pytest.raises(NotFound):
        services.reaction_add(user=other_member, post=_fresh(post), kind="agree")
    assert not Reaction.objects.exists()


def test_a_deleted_post_takes_no_reactions(post, member, other_member):
    services.post_delete(actor=member, post=post)

    with pytest.raises(NotFound):
        services.reaction_add(user=other_member, post=_fresh(post), kind="agree")


def test_a_silenced_member_neither_gives_nor_takes_back(post, other_member):
    services.reaction_add(user=other_member, post=post, kind="agree")
    Sanction.objects.create(user=other_member, kind="silence", reason="flooding")
    silenced = type(other_member).objects.get(pk=other_member.pk)

    for change in (services.reaction_add, services.reaction_remove):
        with pytest.raises(PermissionDenied) as refused:
            change(user=silenced, post=post, kind="insightful")
        assert refused.value.code == "account_silenced"
    assert _fresh(post).reaction_counts == {"agree": 1}


def test_anonymous_readers_are_asked_to_sign_in(post):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        services.reaction_add(user=AnonymousUser(), post=post, kind="agree")


def test_an_unknown_kind_is_a_clear_error(post, other_member):
    with pytest.raises(ValidationFailed) as refused:
        services.reaction_add(user=other_member, post=post, kind="love")
    assert refused.value.fields["kind"] == ["Choose one of: insightful, agree, disagree, sources."]


def test_capabilities_offer_reacting_exactly_where_the_service_allows_it(
    post, member, other_member
):
    from forum.core import permissions

    post = _fresh(post)
    assert permissions.post_capabilities(other_member, post).react is True
    assert permissions.post_capabilities(member, post).react is False
    Sanction.objects.create(user=other_member, kind="silence", reason="flooding")
    silenced = type(other_member).objects.get(pk=other_member.pk)
    assert permissions.post_capabilities(silenced, post).react is False


# --- notifications --------------------------------------------------------------------


def test_reactions_to_one_post_collapse_into_one_notification(post, member, publish):
    readers = UserFactory.create_batch(3)
    for reader in readers:
        publish(services.reaction_add, user=reader, post=post, kind="insightful")
    publish(services.reaction_add, user=readers[0], post=post, kind="agree")

    notifications = Notification.objects.filter(recipient=member, kind="reaction")
    assert notifications.count() == 1
    notification = notifications.get()
    assert notification.count == 4
    assert notification.post_id == post.pk
    assert notification.actor_id == readers[0].pk
    assert not Notification.objects.exclude(recipient=member).filter(kind="reaction").exists()


def test_a_reaction_taken_back_and_given_again_tells_the_author_once(post, member, publish):
    reader = UserFactory()
    publish(services.reaction_add, user=reader, post=post, kind="agree")
    publish(services.reaction_remove, user=reader, post=post, kind="agree")
    publish(services.reaction_add, user=reader, post=post, kind="agree")

    assert Notification.objects.get(recipient=member, kind="reaction").count == 1


def test_reactions_on_another_post_are_another_notification(post, member, publish):
    second = make_reply(thread=post.thread, author=member, body="And a fourth one.")
    reader = UserFactory()
    publish(services.reaction_add, user=reader, post=post, kind="agree")
    publish(services.reaction_add, user=reader, post=second, kind="agree")

    assert Notification.objects.filter(recipient=member, kind="reaction").count() == 2


def test_reading_the_notification_starts_a_new_one(post, member, publish):
    publish(services.reaction_add, user=UserFactory(), post=post, kind="agree")
    notification_services.notifications_mark_read(user=member)
    publish(services.reaction_add, user=UserFactory(), post=post, kind="agree")

    unread = Notification.objects.filter(recipient=member, kind="reaction", read_at__isnull=True)
    assert unread.get().count == 1


def test_muting_the_reader_or_the_thread_silences_reactions(post, member, publish):
    muted_reader, reader = UserFactory.create_batch(2)
    UserMute.objects.create(user=member, muted=muted_reader)
    publish(services.reaction_add, user=muted_reader, post=post, kind="agree")
    assert not Notification.objects.filter(recipient=member).exists()

    ThreadWatch.objects.update_or_create(
        user=member, thread=post.thread, defaults={"level": WatchLevel.MUTED}
    )
    publish(services.reaction_add, user=reader, post=post, kind="agree")
    assert not Notification.objects.filter(recipient=member, kind="reaction").exists()


def test_the_notification_names_the_post_and_counts(post, member, publish):
    from forum.notifications import selectors as notification_selectors

    for reader in UserFactory.create_batch(2):
        publish(services.reaction_add, user=reader, post=post, kind="sources")

    notification = notification_selectors.inbox(user=member).get()
    text = notification_selectors.describe(notification)
    assert text == f"2 reactions to your post in “{post.thread.title}”"
