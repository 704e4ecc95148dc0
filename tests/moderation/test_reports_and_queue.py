"""Reports add up to hiding a post; the review queue is claimed and decided once."""

import threading

import pytest
from django.db import connection

from forum.core.errors import Conflict, NotFound, PermissionDenied, RateLimited, ValidationFailed
from forum.threads import services as thread_services
from forum.threads.models import PostState
from moderation import actions, services
from moderation.models import ModerationLogEntry, Report, ReviewItem
from tests.factories import ModeratorFactory, UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported_post(member):
    return make_reply(thread=make_thread(author=member), author=member, body="Questionable take")


def test_reports_from_distinct_trusted_members_hide_the_post_at_the_threshold(reported_post):
    for name in ("r1", "r2"):
        services.report_file(reporter=UserFactory(username=name), post=reported_post, reason="spam")
    reported_post.refresh_from_db()
    assert reported_post.state == PostState.VISIBLE

    services.report_file(reporter=UserFactory(username="r3"), post=reported_post, reason="abuse")

    reported_post.refresh_from_db()
    assert reported_post.state == PostState.HIDDEN
    assert "reports from members" in reported_post.state_reason
    item = ReviewItem.objects.get(post=reported_post, state="pending")
    assert item.reasons == ["reports"]
    entry = ModerationLogEntry.objects.get(action="hide", target_id=reported_post.pk)
    assert entry.actor is None and entry.details["reporters"] == 3


def test_reports_from_new_members_do_not_count_towards_hiding(reported_post, settings):
    for index in range(5):
        services.report_file(
            reporter=UserFactory(username=f"new{index}", trust_level=0),
            post=reported_post,
            reason="spam",
        )

    reported_post.refresh_from_db()
    assert reported_post.state == PostState.VISIBLE
    assert ReviewItem.objects.filter(post=reported_post, state="pending").count() == 1


def test_one_open_report_per_member_per_post(reported_post, other_member):
    services.report_file(reporter=other_member, post=reported_post, reason="off_topic")

    with pytest.raises(Conflict) as refused:
        services.report_file(reporter=other_member, post=reported_post, reason="spam")
    assert refused.value.code == "already_reported"


def test_report_of_one_paragraph_and_other_needs_text(reported_post, other_member):
    with pytest.raises(ValidationFailed) as refused:
        services.report_file(reporter=other_member, post=reported_post, reason="other")
    assert "message" in refused.value.fields

    report = services.report_file(
        reporter=other_member, post=reported_post, reason="other", message="Misquotes", paragraph=0
    )
    assert report.paragraph == 0


def test_reports_on_invisible_or_own_posts_are_refused(member, other_member, newcomer):
    pending = make_reply(thread=make_thread(author=member), author=newcomer)
    with pytest.raises(NotFound):
        services.report_file(reporter=other_member, post=pending, reason="spam")
    own = make_thread(author=member).opening_post
    with pytest.raises(PermissionDenied):
        services.report_file(reporter=member, post=own, reason="spam")


def test_reports_are_rate_limited(member, other_member):
    thread = make_thread(author=member)
    posts = [make_reply(thread=thread, author=member) for _ in range(services.REPORTS_PER_HOUR + 1)]
    for post in posts[:-1]:
        services.report_file(reporter=other_member, post=post, reason="spam")

    with pytest.raises(RateLimited) as refused:
        services.report_file(reporter=other_member, post=posts[-1], reason="spam")
    assert refused.value.retry_after > 0


def test_a_claimed_item_cannot_be_taken_by_another_moderator(reported_post, moderator):
    item = services.review_item_open(post=reported_post, reason="rule")
    other = ModeratorFactory(username="mod2")

    services.review_item_claim(moderator=moderator, item=item)
    services.review_item_claim(moderator=moderator, item=item)  # again: no-op

    with pytest.raises(Conflict) as refused:
        services.review_item_claim(moderator=other, item=item)
    assert refused.value.code == "claimed_by_other"
    with pytest.raises(Conflict):
        actions.review_item_decide(moderator=other, item=item, approve=True)


def test_deciding_approves_or_removes_and_logs_once(reported_post, moderator, other_member):
    services.report_file(reporter=other_member, post=reported_post, reason="spam")
    item = ReviewItem.objects.get(post=reported_post)

    with pytest.raises(ValidationFailed):
        actions.review_item_decide(moderator=moderator, item=item, approve=False, reason="")
    decided = actions.review_item_decide(
        moderator=moderator, item=item, approve=False, reason="Spam link farm"
    )

    reported_post.refresh_from_db()
    assert decided.state == ReviewItem.State.REJECTED and decided.decided_by == moderator
    assert reported_post.state == PostState.REMOVED
    assert Report.objects.get(post=reported_post).status == Report.Status.UPHELD
    entries = ModerationLogEntry.objects.filter(action="remove", target_id=reported_post.pk)
    assert [(e.actor, e.reason) for e in entries] == [(moderator, "Spam link farm")]
    with pytest.raises(Conflict) as refused:
        actions.review_item_decide(moderator=moderator, item=decided, approve=True)
    assert refused.value.code == "already_decided"


@pytest.mark.postgresql  # SQLite serialises writers: there is no race to win
@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_have_exactly_one_winner(member):
    post = make_reply(thread=make_thread(author=member), author=member)
    item = services.review_item_open(post=post, reason="rule")
    moderators = [ModeratorFactory(username=f"racer{i}") for i in range(6)]
    barrier = threading.Barrier(len(moderators))
    outcomes = []

    def claim(moderator):
        barrier.wait()
        try:
            services.review_item_claim(moderator=moderator, item=ReviewItem.objects.get(pk=item.pk))
            outcomes.append("won")
        except Conflict:
            outcomes.append("lost")
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(m,)) for m in moderators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["lost"] * 5 + ["won"]


def test_appeal_once_and_only_for_removed_posts(member, moderator):
    post = make_reply(thread=make_thread(author=member), author=member)
    with pytest.raises(PermissionDenied):
        services.appeal_file(author=member, post=post, message="Why?")
    thread_services.post_set_state(post=post, state=PostState.REMOVED, reason="spam")

    appeal = services.appeal_file(author=member, post=post, message="It was a citation.")

    assert ReviewItem.objects.get(pk=appeal.review_item_id).reasons == ["appeal"]
    with pytest.raises(Conflict):
        services.appeal_file(author=member, post=post, message="Again")
