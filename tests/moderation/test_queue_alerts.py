"""Moderators hear of new work in the queue: who is told (by scope, never of an item
another moderator has claimed), from each source, by digest and by webhook, and the
count their headers poll for."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from forum.accounts.models import CategoryModerator, User
from forum.threads import services as thread_services
from forum.threads.models import PostState
from forum.webhooks import services as webhook_services
from forum.webhooks.models import Webhook, WebhookDelivery
from forum.webhooks.signing import secret_generate
from moderation import alerts, selectors, services, tasks
from moderation.models import QueueAlert, QueueDigestSubscription, ReviewItem
from tests.factories import CategoryFactory, ModeratorFactory, UserFactory, make_reply, make_thread
from tests.moderation.conftest import checked_reply, flag_cheap_pills

Source = QueueAlert.Source


@pytest.fixture
def forum(db):
    """Two categories, a moderator of each, a moderator of the whole forum, an
    administrator, and threads to post in."""
    games, books = CategoryFactory(slug="games"), CategoryFactory(slug="books")
    games_mod = ModeratorFactory(username="games_mod")
    books_mod = ModeratorFactory(username="books_mod")
    CategoryModerator.objects.create(moderator=games_mod, category=games)
    CategoryModerator.objects.create(moderator=books_mod, category=books)
    author = UserFactory(username="author")
    return {
        "games": games,
        "books": books,
        "games_mod": games_mod,
        "books_mod": books_mod,
        "global_mod": ModeratorFactory(username="global_mod"),
        "admin": UserFactory(username="boss", role=User.Role.ADMIN, is_staff=True),
        "author": author,
        "games_thread": make_thread(author=author, category=games),
        "books_thread": make_thread(author=author, category=books),
    }


def held_post(forum, *, thread="games_thread"):
    """A newcomer's reply, held for approval by the default pre-moderation rule."""
    newcomer = UserFactory(trust_level=0, post_count=0)
    return checked_reply(thread=forum[thread], author=newcomer, body="Hello, first post here.")


def names(users) -> set[str]:
    return {user.username for user in users}


def only_alert(**filters) -> QueueAlert:
    return QueueAlert.objects.get(**filters)


# --- who is told ---------------------------------------------------------------------


def test_a_held_post_alerts_the_moderators_of_its_category_and_of_the_whole_forum(
    forum, default_rules
):
    post = held_post(forum)

    alert = only_alert(review_item__post=post)
    assert alert.source == Source.HELD
    assert alert.category == forum["games"]
    assert names(selectors.queue_alert_recipients(alert=alert)) == {
        "games_mod",
        "global_mod",
        "boss",
    }


def test_a_sanctioned_moderator_hears_nothing_until_the_sanction_ends(forum, default_rules):
    services.sanction_impose(
        actor=forum["admin"], user=forum["games_mod"], kind="silence", reason="Cool off"
    )
    alert = only_alert(review_item__post=held_post(forum))

    assert "games_mod" not in names(selectors.queue_alert_recipients(alert=alert))


def test_an_item_claimed_by_another_moderator_alerts_nobody_else(forum, default_rules):
    post = held_post(forum)
    alert = only_alert(review_item__post=post)
    item = ReviewItem.objects.get(post=post)

    services.review_item_claim(moderator=forum["games_mod"], item=item)

    assert names(selectors.queue_alert_recipients(alert=alert)) == {"games_mod"}
    # Nor is it counted as anyone else's open work, nor alerted again when a new
    # reason joins it while claimed.
    assert selectors.open_work_count(user=forum["global_mod"]) == 0
    assert selectors.open_work_count(user=forum["games_mod"]) == 1
    assert alerts.queue_alert_record(source=Source.RULE, review_item=item) is None


def test_a_lapsed_claim_no_longer_keeps_the_others_from_hearing(forum, default_rules):
    post = held_post(forum)
    item = ReviewItem.objects.get(post=post)
    long_ago = timezone.now() - ReviewItem.CLAIM_TIMEOUT - dt.timedelta(minutes=1)
    services.review_item_claim(moderator=forum["games_mod"], item=item, now=long_ago)

    assert selectors.open_work_count(user=forum["global_mod"]) == 1
    assert "global_mod" in names(
        selectors.queue_alert_recipients(alert=only_alert(review_item=item))
    )


def test_decided_work_alerts_nobody(forum, default_rules):
    post = held_post(forum)
    ReviewItem.objects.filter(post=post).update(state=ReviewItem.State.APPROVED)

    assert selectors.queue_alert_recipients(alert=only_alert(review_item__post=post)) == []


# --- each source ---------------------------------------------------------------------


def test_a_rule_that_queues_a_post_alerts_as_a_rule(forum):
    flag_cheap_pills(forum["global_mod"])
    post = checked_reply(
        thread=forum["books_thread"], author=forum["author"], body="Buy cheap pills here."
    )

    alert = only_alert(review_item__post=post)
    assert alert.source == Source.RULE
    assert names(selectors.queue_alert_recipients(alert=alert)) == {
        "books_mod",
        "global_mod",
        "boss",
    }


def test_reports_alert_once_they_pass_the_threshold_and_not_before(forum, settings):
    post = make_reply(thread=forum["games_thread"], author=forum["author"])
    reporters = [UserFactory(trust_level=1) for _ in range(3)]
    for reporter in reporters[:2]:
        services.report_file(reporter=reporter, post=post, reason="spam")
    assert not QueueAlert.objects.exists()

    services.report_file(reporter=reporters[2], post=post, reason="spam")

    assert only_alert(review_item__post=post).source == Source.REPORTS


def test_an_appeal_of_a_removed_post_alerts_as_an_appeal(forum):
    post = make_reply(thread=forum["games_thread"], author=forum["author"])
    thread_services.post_set_state(post=post, state=PostState.REMOVED, reason="spam")

    services.appeal_file(author=forum["author"], post=post, message="It was a citation.")

    alert = only_alert(review_item__post=post)
    assert alert.source == Source.APPEAL
    assert "games_mod" in names(selectors.queue_alert_recipients(alert=alert))


def test_a_sanction_appeal_alerts_those_who_may_lift_it(forum):
    member = forum["author"]
    sanction = services.sanction_impose(
        actor=forum["global_mod"], user=member, kind="silence", reason="Flame war"
    )

    appeal = services.sanction_appeal_file(author=member, sanction=sanction, message="Sorry.")

    alert = only_alert(appeal=appeal)
    assert alert.source == Source.SANCTION_APPEAL
    assert alert.category is None
    # Category moderators act on no member.
    assert names(selectors.queue_alert_recipients(alert=alert)) == {"global_mod", "boss"}
    assert selectors.open_work_count(user=forum["global_mod"]) == 1
    assert selectors.open_work_count(user=forum["games_mod"]) == 0


def test_the_appeal_of_a_sanction_that_has_ended_is_no_longer_work(forum):
    member = forum["author"]
    sanction = services.sanction_impose(
        actor=forum["global_mod"], user=member, kind="silence", reason="Flame war"
    )
    appeal = services.sanction_appeal_file(author=member, sanction=sanction, message="Sorry.")

    services.sanction_lift(actor=forum["admin"], sanction=sanction, reason="Served")

    assert selectors.open_work_count(user=forum["global_mod"]) == 0
    assert selectors.queue_alert_recipients(alert=only_alert(appeal=appeal)) == []


def test_a_check_run_twice_alerts_once(forum, default_rules):
    from moderation import pipeline

    post = held_post(forum)
    pipeline.revision_check(revision_id=post.current_revision_id)

    assert QueueAlert.objects.filter(review_item__post=post).count() == 1


# --- the header's count --------------------------------------------------------------


def test_the_open_work_count_is_scoped_to_the_moderators_categories(forum, default_rules):
    held_post(forum)
    held_post(forum, thread="books_thread")

    assert selectors.open_work_count(user=forum["games_mod"]) == 1
    assert selectors.open_work_count(user=forum["global_mod"]) == 2
    assert selectors.open_work_count(user=forum["author"]) == 0


def test_the_poll_endpoint_answers_moderators_with_their_count_and_nobody_else(
    client, forum, default_rules
):
    held_post(forum)
    client.force_login(forum["games_mod"])

    response = client.get("/moderation/open-work/")

    assert response.status_code == 200
    assert response.json() == {"open": 1}
    assert "no-store" in response["Cache-Control"]
    client.force_login(forum["author"])
    refused = client.get("/moderation/open-work/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "not_moderator"
    client.logout()
    assert client.get("/moderation/open-work/").status_code == 401


def test_moderators_headers_show_the_count_and_members_do_not_see_it(
    client, forum, default_rules, settings
):
    settings.PARLEY = {**settings.PARLEY, "QUEUE_POLL_SECONDS": 7}
    held_post(forum)
    client.force_login(forum["games_mod"])

    web = client.get("/").content.decode()
    admin = client.get("/admin/").content.decode()

    for page in (web, admin):
        assert 'data-open-work-url="/moderation/open-work/"' in page
        assert 'data-open-work-seconds="7"' in page
        assert "data-open-work-count>1</span>" in page
    client.force_login(forum["author"])
    assert "data-open-work-url" not in client.get("/").content.decode()


# --- the digest ----------------------------------------------------------------------


def test_the_digest_is_off_until_a_moderator_turns_it_on(forum, default_rules):
    held_post(forum)

    assert tasks.send_queue_digests() == 0
    assert mail.outbox == []


def test_the_digest_batches_each_moderators_new_work_once(forum, default_rules):
    started = timezone.now() - dt.timedelta(minutes=1)
    for moderator in ("games_mod", "global_mod"):
        alerts.queue_digest_set(moderator=forum[moderator], enabled=True)
    QueueDigestSubscription.objects.update(last_sent_until=started)
    games_post, books_post = held_post(forum), held_post(forum, thread="books_thread")
    claimed = held_post(forum)
    services.review_item_claim(
        moderator=forum["global_mod"], item=ReviewItem.objects.get(post=claimed)
    )

    assert tasks.send_queue_digests() == 2

    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"games_mod@example.test", "global_mod@example.test"}
    games_mail = by_recipient["games_mod@example.test"]
    # The games moderator hears of the games post only, not of the one claimed by another.
    assert games_mail.subject == "Parley: 1 new item in the moderation queue"
    item = ReviewItem.objects.get(post=games_post)
    assert f"/admin/moderation/reviewitem/{item.pk}/change/" in games_mail.body
    global_mail = by_recipient["global_mod@example.test"]
    assert global_mail.subject == "Parley: 3 new items in the moderation queue"
    assert str(ReviewItem.objects.get(post=books_post).pk) in global_mail.body
    # Run again, nothing new: no mail.
    mail.outbox = []
    assert tasks.send_queue_digests() == 0
    assert tasks.send_queue_digest(forum["global_mod"].pk) == 0
    assert mail.outbox == []


def test_turning_the_digest_on_is_for_moderators(forum):
    from forum.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        alerts.queue_digest_set(moderator=forum["author"], enabled=True)
    assert alerts.queue_digest_set(moderator=forum["games_mod"], enabled=True) is True
    assert alerts.queue_digest_set(moderator=forum["games_mod"], enabled=True) is False
    assert alerts.queue_digest_set(moderator=forum["games_mod"], enabled=False) is True


def test_a_moderator_turns_the_digest_on_in_their_settings(client, forum):
    client.force_login(forum["games_mod"])
    assert (
        "Mail me new work in the moderation queue"
        in client.get("/accounts/settings/").content.decode()
    )

    response = client.post("/accounts/settings/queue-digest/", {"enabled": "on"})

    assert response.status_code == 302
    assert selectors.queue_digest_subscribed(moderator=forum["games_mod"])
    client.force_login(forum["author"])
    assert "queue-digest" not in client.get("/accounts/settings/").content.decode()


# --- webhooks ------------------------------------------------------------------------


@pytest.fixture
def webhooks(forum, monkeypatch):
    """A webhook for each of the forum's people on both queue events (stored as is, as
    if each had been allowed to subscribe); deliveries are recorded, not sent."""
    monkeypatch.setattr(webhook_services, "_after_commit_deliver", lambda delivery_ids: None)
    events = ["queue.item_opened", "queue.sanction_appealed"]
    for name in ("games_mod", "books_mod", "global_mod", "author"):
        Webhook.objects.create(
            owner=forum[name],
            url=f"https://{name}.example/",
            events=events,
            secret=secret_generate(),
        )


def delivered_to(event: str) -> set[str]:
    return set(
        WebhookDelivery.objects.filter(event=event).values_list(
            "webhook__owner__username", flat=True
        )
    )


def test_queue_webhooks_reach_only_the_moderators_who_may_act(forum, webhooks, publish):
    post = make_reply(thread=forum["books_thread"], author=forum["author"])
    thread_services.post_set_state(post=post, state=PostState.REMOVED, reason="spam")
    publish(services.appeal_file, author=forum["author"], post=post, message="Look again.")

    assert delivered_to("queue.item_opened") == {"books_mod", "global_mod"}
    delivery = WebhookDelivery.objects.filter(event="queue.item_opened").first()
    assert delivery.payload["item"]["source"] == "appeal"
    assert delivery.payload["item"]["post_id"] == post.pk
    assert delivery.category_id == forum["books"].pk

    sanction = services.sanction_impose(
        actor=forum["global_mod"], user=forum["author"], kind="silence", reason="Spam"
    )
    publish(services.sanction_appeal_file, author=forum["author"], sanction=sanction, message="No")

    assert delivered_to("queue.sanction_appealed") == {"global_mod"}


def test_members_cannot_subscribe_to_queue_events_nor_category_moderators_to_sanction_appeals(
    forum,
):
    from forum.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        webhook_services.webhook_create(
            owner=forum["author"], url="https://a.example/", events=["queue.item_opened"]
        )
    with pytest.raises(PermissionDenied):
        webhook_services.webhook_create(
            owner=forum["games_mod"], url="https://a.example/", events=["queue.sanction_appealed"]
        )
    assert webhook_services.webhook_create(
        owner=forum["games_mod"], url="https://a.example/", events=["queue.item_opened"]
    )
