"""A sanction explained to its member (a notification and a mail: why, until when, how
to appeal), and the appeal of a sanction: filed on the web or through the API, waiting
in the queue, decided by a moderator who may lift it."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from forum.accounts.models import CategoryModerator, Sanction
from forum.core.errors import Conflict, NotFound, PermissionDenied
from forum.notifications import email as notification_email
from forum.notifications import sanctions as sanction_notices
from forum.notifications import selectors as notification_selectors
from forum.notifications.models import Notification
from moderation import actions, selectors, services
from moderation.models import Appeal, ModerationLogEntry
from tests.factories import CategoryFactory, ModeratorFactory, UserFactory


def appeal_link(message) -> str:
    return re.search(r"http://[^\s]+/standing/appeal/[^\s/]+/", message.body)[0]


def test_a_silenced_member_is_told_why_until_when_and_how_to_appeal(member, moderator, publish):
    ends = timezone.now() + dt.timedelta(days=3)

    sanction = publish(
        services.sanction_impose,
        actor=moderator,
        user=member,
        kind="silence",
        reason="Insults in the chess thread",
        ends_at=ends,
    )

    notification = Notification.objects.get(recipient=member)
    assert notification.kind == "sanction_imposed"
    assert notification_selectors.describe(notification) == (
        f"A moderator restricted your account: silenced until "
        f"{timezone.localtime(ends):%-d %b %Y, %H:%M %Z}, for: Insults in the chess thread. "
        "You may appeal: the notice at the top of every page while it lasts, and the e-mail "
        "we sent, say how"
    )
    [message] = mail.outbox
    assert message.to == [member.email]
    assert message.subject == "Parley: your account is silenced"
    assert "Reason: Insults in the chess thread" in message.body
    assert f"Until: {timezone.localtime(ends):%-d %b %Y, %H:%M}" in message.body
    assert appeal_link(message).endswith(f"{sanction_notices.appeal_path(sanction)}")
    # Mailed once: neither the subscriber run again nor the digest repeats it.
    assert sanction_notices.sanction_notify(sanction_id=sanction.pk) is False
    assert notification_email.digest_send(user=member) == 0
    assert len(mail.outbox) == 1


def test_a_sanction_without_an_end_says_until_a_moderator_lifts_it(member, moderator, publish):
    publish(actions.perform, "suspend", actor=moderator, target=member, reason="Spam ring")

    [notification] = Notification.objects.filter(recipient=member)
    assert "suspended until a moderator lifts it, for: Spam ring" in (
        notification_selectors.describe(notification)
    )
    [message] = mail.outbox
    assert message.subject == "Parley: your account is suspended"
    assert "Until: until a moderator lifts it" in message.body
    assert "You cannot sign in until then." in message.body


def test_the_notification_list_shows_the_sanction(client, member, moderator, publish):
    publish(services.sanction_impose, actor=moderator, user=member, kind="silence", reason="X")
    client.force_login(member)

    page = client.get("/notifications/").content.decode()

    assert "A moderator restricted your account" in page


# --- filing the appeal ------------------------------------------------------------------


@pytest.fixture
def silenced(member, moderator, publish):
    return publish(
        services.sanction_impose,
        actor=moderator,
        user=member,
        kind="silence",
        reason="Flame war",
        ends_at=timezone.now() + dt.timedelta(days=2),
    )


def test_a_suspended_member_appeals_through_the_mailed_link_without_signing_in(
    client, member, moderator, publish
):
    publish(services.sanction_impose, actor=moderator, user=member, kind="suspend", reason="Spam")
    link = appeal_link(mail.outbox[0]).removeprefix("http://127.0.0.1:8000")

    form = client.get(link)
    assert form.status_code == 200
    assert "Reason: Spam" in form.content.decode()
    sent = client.post(link, {"message": "It was my brother."})

    assert sent.status_code == 302
    appeal = Appeal.objects.get(sanction__user=member)
    assert appeal.author == member
    assert appeal.message == "It was my brother."
    assert "waiting for a moderator" in client.get(link).content.decode()
    assert ModerationLogEntry.objects.filter(action="appeal_sanction").exists()


def test_a_forged_link_is_a_404_and_an_ended_sanction_is_refused(client, silenced):
    assert client.get("/standing/appeal/not-a-token/").status_code == 404
    Sanction.objects.filter(pk=silenced.pk).update(lifted_at=timezone.now())

    refused = client.get(sanction_notices.appeal_path(silenced))

    assert refused.status_code == 403
    assert "no longer in force" in refused.content.decode()


def test_an_empty_appeal_is_a_clear_400(client, silenced):
    response = client.post(sanction_notices.appeal_path(silenced), {"message": ""})

    assert response.status_code == 400
    assert not Appeal.objects.exists()


def test_the_silenced_members_banner_links_to_the_appeal(client, member, silenced):
    client.force_login(member)

    page = client.get("/").content.decode()

    assert "Flame war" in page
    assert f'href="{sanction_notices.appeal_path(silenced)}">Appeal this decision' in page


def test_the_api_files_one_appeal_per_sanction_for_its_member_only(member, other_member, silenced):
    api = APIClient()
    url = f"/api/v1/sanctions/{silenced.pk}/appeal/"
    api.force_authenticate(other_member)
    assert api.post(url, {"message": "Hi"}, format="json").status_code == 404

    api.force_authenticate(member)
    assert api.post(url, {}, format="json").status_code == 400
    created = api.post(url, {"message": "I apologise."}, format="json")
    again = api.post(url, {"message": "Again"}, format="json")

    assert created.status_code == 201
    assert created.json()["sanction_id"] == silenced.pk
    assert created.json()["post_id"] is None
    assert created.json()["status"] == "queued"
    assert again.status_code == 409
    assert api.post("/api/v1/sanctions/999999/appeal/", {"message": "x"}).status_code == 404


# --- deciding it ----------------------------------------------------------------------


def test_a_moderator_who_may_lift_the_sanction_lifts_it_on_appeal(member, moderator, silenced):
    appeal = services.sanction_appeal_file(author=member, sanction=silenced, message="Sorry")
    other_mod = ModeratorFactory(username="other_mod")

    assert services.sanction_appeal_decide(actor=other_mod, appeal=appeal, lift=True) is True

    silenced.refresh_from_db()
    assert silenced.lifted_at is not None
    appeal.refresh_from_db()
    assert (appeal.outcome, appeal.decided_by) == (Appeal.Outcome.LIFTED, other_mod)
    assert ModerationLogEntry.objects.filter(action="appeal_lifted").exists()
    # The first decision stands, and the appeal is no longer open work.
    assert services.sanction_appeal_decide(actor=moderator, appeal=appeal, lift=False) is False
    assert selectors.open_work_count(user=moderator) == 0


def test_upholding_keeps_the_sanction(member, moderator, silenced):
    appeal = services.sanction_appeal_file(author=member, sanction=silenced, message="Sorry")

    services.sanction_appeal_decide(actor=moderator, appeal=appeal, lift=False, reason="No")

    assert Sanction.objects.active().filter(pk=silenced.pk).exists()
    appeal.refresh_from_db()
    assert appeal.outcome == Appeal.Outcome.UPHELD


def test_category_moderators_and_the_member_do_not_decide(member, silenced):
    appeal = services.sanction_appeal_file(author=member, sanction=silenced, message="Sorry")
    games_mod = ModeratorFactory(username="games_mod")
    CategoryModerator.objects.create(moderator=games_mod, category=CategoryFactory())

    with pytest.raises(PermissionDenied):
        services.sanction_appeal_decide(actor=games_mod, appeal=appeal, lift=True)
    with pytest.raises(PermissionDenied):
        services.sanction_appeal_decide(actor=member, appeal=appeal, lift=True)


def test_only_the_member_under_it_appeals_a_sanction_once(member, other_member, silenced):
    with pytest.raises(NotFound):
        services.sanction_appeal_file(author=other_member, sanction=silenced, message="Hi")
    services.sanction_appeal_file(author=member, sanction=silenced, message="Sorry")
    with pytest.raises(Conflict):
        services.sanction_appeal_file(author=member, sanction=silenced, message="Again")


def test_the_appeal_waits_in_the_admin_where_a_moderator_lifts_it(
    client, member, moderator, silenced
):
    appeal = services.sanction_appeal_file(author=member, sanction=silenced, message="Sorry")
    client.force_login(ModeratorFactory(username="other_mod"))

    listing = client.get("/admin/moderation/sanctionappeal/?open=1")
    assert listing.status_code == 200
    assert "Sorry" in listing.content.decode()
    client.post(
        "/admin/moderation/sanctionappeal/",
        {"action": "lift_sanctions", "_selected_action": [appeal.pk]},
    )

    appeal.refresh_from_db()
    assert appeal.outcome == Appeal.Outcome.LIFTED
    games_mod = UserFactory(username="games_mod", role="moderator", is_staff=True)
    CategoryModerator.objects.create(moderator=games_mod, category=CategoryFactory())
    client.force_login(games_mod)
    assert client.get("/admin/moderation/sanctionappeal/").status_code == 403


def _sanction(member, moderator) -> Sanction:
    return services.sanction_impose(
        actor=moderator,
        user=member,
        kind="silence",
        reason="Flame war",
        ends_at=timezone.now() + dt.timedelta(days=2),
    )


def test_open_appeals_come_first_in_the_moderators_list(member, other_member, moderator):
    decided = services.sanction_appeal_file(
        author=other_member, sanction=_sanction(other_member, moderator), message="Earlier"
    )
    services.sanction_appeal_decide(actor=moderator, appeal=decided, lift=False, reason="No")
    waiting = services.sanction_appeal_file(
        author=member, sanction=_sanction(member, moderator), message="Later, still open"
    )

    listed = list(selectors.sanction_appeals(user=moderator))

    assert [appeal.pk for appeal in listed] == [waiting.pk, decided.pk]
