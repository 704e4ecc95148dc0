"""Nobody acts on themselves, moderators included: what a moderator wrote is judged by
another. They may take their own post or thread down, but not approve it, restore it or
grant its appeal, through the actions, the review queue (one item or in bulk), the admin
item page or the web UI, and no page offers them to. An item about their own post is
not left claimed by them when they try."""

import pytest

from forum.core.errors import PermissionDenied
from moderation import actions
from moderation.models import ReviewItem
from moderation.services import appeal_file, review_item_open
from tests.factories import ModeratorFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


def test_a_moderator_cannot_bring_back_their_own_removed_post_by_appealing_and_deciding(
    boss,
):
    """Another moderator removed the post; its author, a moderator too, appeals and would
    then grant the appeal themselves. Approving or restoring what they wrote (a post, or
    a thread they started) is for another moderator; taking it down stays open to them."""

    writer = ModeratorFactory(username="writer")
    thread = make_thread(author=writer, body="My announcement.")
    post = make_reply(thread=thread, author=writer, body="My own words.")
    actions.perform("remove", actor=boss, target=post, reason="Off topic")
    post.refresh_from_db()
    appeal = appeal_file(author=writer, post=post, message="It was on topic.")

    with pytest.raises(PermissionDenied) as own_appeal:
        actions.review_item_decide(moderator=writer, item=appeal.review_item, approve=True)
    with pytest.raises(PermissionDenied):
        actions.perform("restore", actor=writer, target=post)
    actions.perform("hide_thread", actor=boss, target=thread, reason="Needs a look")
    thread.refresh_from_db()
    with pytest.raises(PermissionDenied):
        actions.perform("restore_thread", actor=writer, target=thread)
    hidden = make_reply(thread=make_thread(author=boss), author=writer, body="Second thoughts.")
    assert actions.perform("hide", actor=writer, target=hidden, reason="Mine").changed

    assert own_appeal.value.code == "own_content"
    post.refresh_from_db()
    thread.refresh_from_db()
    assert (post.state, thread.state) == ("removed", "hidden")
    assert ReviewItem.objects.get(pk=appeal.review_item.pk).state == ReviewItem.State.PENDING
    assert actions.perform("restore", actor=boss, target=post).changed


def test_the_thread_page_does_not_offer_a_moderator_to_restore_their_own_post(client, boss):

    writer = ModeratorFactory(username="writer")
    peer = ModeratorFactory(username="peer")
    thread = make_thread(author=boss)
    post = make_reply(thread=thread, author=writer, body="My own words.")
    actions.perform("hide", actor=boss, target=post, reason="Off topic")
    restore = f'action="/p/{post.pk}/moderate/"'

    client.force_login(writer)
    own = client.get(thread.get_absolute_url()).text
    client.force_login(peer)
    other = client.get(thread.get_absolute_url()).text

    assert restore in own and restore in other
    assert 'value="restore">Restore' not in own.split(restore)[1].split("</form>")[0]
    assert 'value="restore">Restore' in other.split(restore)[1].split("</form>")[0]


def test_the_review_item_of_a_moderators_own_post_offers_them_no_approval_nor_a_claim(
    boss, signed_in
):
    writer = ModeratorFactory(username="writer")
    post = make_reply(thread=make_thread(author=boss), author=writer, body="Held words.")
    item = review_item_open(post=post, reason=ReviewItem.Reason.RULE)
    client = signed_in(writer)

    page = client.get(f"/admin/moderation/reviewitem/{item.pk}/change/")
    decided = client.post(f"/admin/moderation/reviewitem/{item.pk}/decide/", {"action": "approve"})

    assert page.status_code == 200
    assert 'value="approve"' not in page.text and 'value="remove"' in page.text
    assert decided.status_code == 302
    item.refresh_from_db()
    assert (item.state, item.claimed_by_id) == (ReviewItem.State.PENDING, None)
    assert (
        'value="approve"'
        in signed_in(boss).get(f"/admin/moderation/reviewitem/{item.pk}/change/").text
    )
