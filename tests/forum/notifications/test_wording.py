"""What each notification says: which post (the thread, and whether it is the thread or a
reply in it), what happened, who decided and why, with an excerpt of the post for whoever
may read it. An automatic hold and a moderator's decision read differently, and a post
held and then approved is one notification saying it was approved."""

import pytest
from rest_framework.test import APIClient

from forum.core import events
from forum.notifications import selectors, subscribers
from forum.notifications.models import Delivery, Notification
from forum.notifications.services import notifications_mark_read
from forum.threads.models import PostState
from forum.threads.rendering import text_excerpt
from moderation import actions, pipeline
from moderation import services as moderation_services
from moderation.models import ModerationLogEntry
from tests.factories import UserFactory, make_reply, make_thread
from tests.moderation.conftest import watched_words_rule

pytestmark = pytest.mark.django_db

HELD_BY_CHECK = (
    "Your reply in “Prices in March” was held for a moderator's review by an automatic "
    "check (wording); until a moderator decides, only you and the moderators can see it"
)
APPROVED = "Your reply in “Prices in March” was approved by a moderator and is now visible"


@pytest.fixture
def watched_words(moderator):
    return watched_words_rule(
        moderator, ["free money"], action="require_approval", name="Secret spam list 7"
    )


@pytest.fixture
def thread(member):
    return make_thread(author=member, title="Prices in March", body="What did prices do?")


def told(user) -> list[tuple[str, str]]:
    """(outcome, text) of each of `user`'s notifications, newest first."""
    return [(n.outcome, selectors.describe(n)) for n in selectors.inbox(user=user)]


def _checked(publish, post):
    post.refresh_from_db()
    publish(pipeline.revision_check, revision_id=post.current_revision_id)
    post.refresh_from_db()
    return post


def test_an_automatic_hold_names_the_kind_of_check_but_not_the_rule(
    publish, other_member, thread, watched_words
):
    post = make_reply(thread=thread, author=other_member, body="Get FREE MONEY here.")

    assert _checked(publish, post).state == PostState.PENDING
    [(outcome, text)] = told(other_member)

    assert (outcome, text) == ("held", HELD_BY_CHECK)
    assert "free money" not in text.lower() and "Secret" not in text
    notification = Notification.objects.get(recipient=other_member)
    assert selectors.excerpt(notification, user=other_member) == "Get FREE MONEY here."


def test_held_then_approved_is_one_notification_saying_it_was_approved(
    publish, other_member, moderator, thread, watched_words
):
    post = _checked(publish, make_reply(thread=thread, author=other_member, body="free money"))

    publish(actions.perform, "approve", actor=moderator, target=post)

    assert told(other_member) == [("approved", APPROVED)]
    assert Notification.objects.filter(recipient=other_member).count() == 1
    assert Notification.objects.get(recipient=other_member).actor == moderator


def test_a_hold_already_read_stays_and_the_approval_comes_as_a_new_notification(
    publish, other_member, moderator, thread, watched_words
):
    post = _checked(publish, make_reply(thread=thread, author=other_member, body="free money"))
    notifications_mark_read(user=other_member)

    publish(actions.perform, "approve", actor=moderator, target=post)

    assert [outcome for outcome, _ in told(other_member)] == ["approved", "held"]


@pytest.mark.parametrize(
    ("action", "outcome", "reason", "text"),
    [
        (
            "hide",
            "hidden",
            "Off topic",
            "Your reply in “Prices in March” was hidden by a moderator: Off topic",
        ),
        (
            "remove",
            "removed",
            "Spam",
            "Your reply in “Prices in March” was removed by a moderator: Spam",
        ),
    ],
)
def test_a_moderators_decision_says_what_they_did_and_why(
    publish, other_member, moderator, thread, action, outcome, reason, text
):
    post = make_reply(thread=thread, author=other_member, body="A reply to decide on.")

    publish(actions.perform, action, actor=moderator, target=post, reason=reason)

    assert told(other_member) == [(outcome, text)]
    # Their own post, hidden or removed: still quoted to them.
    assert (
        selectors.excerpt(Notification.objects.get(recipient=other_member), user=other_member)
        == "A reply to decide on."
    )


def test_removed_then_restored_is_one_notification_saying_it_is_back(
    publish, other_member, moderator, thread
):
    post = make_reply(thread=thread, author=other_member, body="Back soon.")
    publish(actions.perform, "remove", actor=moderator, target=post, reason="Mistake")

    publish(actions.perform, "restore", actor=moderator, target=post)

    assert told(other_member) == [
        (
            "restored",
            "Your reply in “Prices in March” was restored by a moderator and is visible again",
        )
    ]


def test_an_edit_by_a_moderator_says_so(publish, other_member, moderator, thread):
    post = make_reply(thread=thread, author=other_member, body="Call 555-0100 now.")

    publish(
        actions.perform,
        "edit",
        actor=moderator,
        target=post,
        reason="Phone number taken out",
        body="Call now.",
    )

    assert told(other_member) == [
        (
            "edited",
            "Your reply in “Prices in March” was edited by a moderator: Phone number taken out",
        )
    ]
    assert (
        selectors.excerpt(Notification.objects.get(recipient=other_member), user=other_member)
        == "Call now."
    )


def test_a_decision_on_a_thread_names_the_thread(publish, member, moderator, thread):
    publish(actions.perform, "hide_thread", actor=moderator, target=thread, reason="Off topic")

    assert told(member) == [
        ("hidden", "Your thread “Prices in March” was hidden by a moderator: Off topic")
    ]


def test_a_reporter_hears_whether_their_report_was_upheld_and_sees_no_removed_text(
    publish, other_member, moderator, thread
):
    reporter, second = UserFactory(username="reporter"), UserFactory(username="second")
    removed = make_reply(thread=thread, author=other_member, body="Buy pills.")
    kept = make_reply(thread=thread, author=other_member, body="An honest reply.")
    moderation_services.report_file(reporter=reporter, post=removed, reason="spam")
    moderation_services.report_file(reporter=second, post=kept, reason="spam")

    publish(actions.perform, "remove", actor=moderator, target=removed, reason="Spam")
    publish(actions.perform, "approve", actor=moderator, target=kept)

    [(outcome, text)] = told(reporter)
    assert (outcome, text) == (
        "upheld",
        "Your report on a post in “Prices in March” was upheld: a moderator acted on it",
    )
    assert selectors.excerpt(Notification.objects.get(recipient=reporter), user=reporter) == ""
    [(outcome, text)] = told(second)
    assert outcome == "dismissed" and "found nothing to act on" in text
    assert (
        selectors.excerpt(Notification.objects.get(recipient=second), user=second)
        == "An honest reply."
    )


@pytest.mark.parametrize(
    ("lift", "outcome", "start"),
    [
        (
            True,
            "lifted",
            "Your appeal was granted: a moderator lifted the restriction on your account",
        ),
        (False, "upheld", "Your appeal was turned down: the restriction on your account stays"),
    ],
)
def test_the_member_hears_the_outcome_of_their_sanction_appeal(
    publish, other_member, moderator, lift, outcome, start
):
    sanction = moderation_services.sanction_impose(
        actor=moderator, user=other_member, kind="silence", reason="Spamming"
    )
    appeal = moderation_services.sanction_appeal_file(
        author=other_member, sanction=sanction, message="It was a misunderstanding."
    )

    publish(
        moderation_services.sanction_appeal_decide,
        actor=moderator,
        appeal=appeal,
        lift=lift,
        reason="Read the thread again",
    )

    decided = [(o, text) for o, text in told(other_member) if text.startswith("Your appeal")]
    assert decided == [(outcome, f"{start}: Read the thread again")]


def test_fan_out_kinds_keep_their_words_and_quote_the_post(publish, member, other_member, thread):
    publish(make_reply, thread=thread, author=other_member, body="Prices **rose** by 3%.")

    [notification] = selectors.inbox(user=member)
    assert selectors.describe(notification) == "other replied to you in “Prices in March”"
    assert notification.outcome == ""
    assert selectors.excerpt(notification, user=member) == "Prices rose by 3%."


def test_the_api_and_the_inbox_page_give_outcome_text_and_excerpt(
    client, publish, other_member, moderator, thread, watched_words
):
    post = _checked(publish, make_reply(thread=thread, author=other_member, body="free money"))
    publish(actions.perform, "approve", actor=moderator, target=post)
    api = APIClient()
    api.force_authenticate(other_member)

    [item] = api.get("/api/v1/notifications/").json()["results"]
    client.force_login(other_member)
    page = client.get("/notifications/").content.decode()

    assert (item["kind"], item["outcome"], item["text"]) == ("post_moderated", "approved", APPROVED)
    assert item["excerpt"] == "free money"
    assert APPROVED in page
    assert '<blockquote class="excerpt">free money</blockquote>' in page
    assert "decision on your post" not in page


def test_following_a_notification_whose_post_the_reader_cannot_see_leads_to_the_inbox(
    client, publish, other_member, moderator, thread
):
    reporter = UserFactory(username="reporter")
    removed = make_reply(thread=thread, author=other_member, body="Buy pills.")
    moderation_services.report_file(reporter=reporter, post=removed, reason="spam")
    publish(actions.perform, "remove", actor=moderator, target=removed, reason="Spam")
    notification = Notification.objects.get(recipient=reporter)
    client.force_login(reporter)

    response = client.get(f"/notifications/{notification.pk}/")

    assert response.status_code == 302 and response["Location"] == "/notifications/"


def test_a_notifications_excerpt_is_what_the_post_says_not_what_it_quotes(
    publish, member, other_member, thread
):
    """The same excerpt as a list of posts shows, only shorter: what the reply says."""
    quoted = thread.opening_post
    quoted.refresh_from_db()
    body = f'[quote="member, post:{quoted.pk}"]\nOpening words.\n[/quote]\n\n' + "Mine. " * 40
    publish(make_reply, thread=thread, author=other_member, body=body)

    [notification] = selectors.inbox(user=member)
    excerpt = selectors.excerpt(notification, user=member)

    assert excerpt.startswith("Mine. Mine.") and "Opening" not in excerpt
    assert excerpt == text_excerpt(notification.post.body_html, length=selectors.EXCERPT_CHARS)
    assert len(excerpt) == selectors.EXCERPT_CHARS and excerpt.endswith("…")


@pytest.mark.parametrize("read_first", [False, True])
def test_a_decision_delivered_late_never_replaces_a_newer_one(
    publish, other_member, moderator, thread, watched_words, read_first
):
    """Decisions are durable events, retried until delivered, so a post's hold can
    arrive after its approval: the member is still told it was approved, once."""
    post = _checked(publish, make_reply(thread=thread, author=other_member, body="free money"))
    publish(actions.perform, "approve", actor=moderator, target=post)
    if read_first:
        notifications_mark_read(user=other_member)
    hold, approval = ModerationLogEntry.objects.filter(target_id=post.pk).order_by("pk")
    assert (hold.action, approval.action) == ("hold", "approve")
    # The hold's first delivery lost, as a worker that died before it committed loses it.
    lost = Delivery.objects.filter(
        recipient=other_member, event_key=f"decision:{hold.pk}:{post.pk}"
    ).delete()
    assert lost[0] == 1

    late = events.DecisionRecorded(
        entry_id=hold.pk,
        action="hold",
        actor_id=None,
        target_type="post",
        target_id=post.pk,
        author_id=other_member.pk,
        thread_id=thread.pk,
        post_id=post.pk,
        tells_author=True,
        told_reason="wording",
    )
    subscribers.on_decision_recorded(late)

    assert told(other_member) == [("approved", APPROVED)]
    assert selectors.unread_count(user=other_member) == (0 if read_first else 1)
