"""Digest e-mail, unsubscribe tokens, and member mutes."""

import pytest
from django.core import mail

from forum.accounts.models import EmailFrequency, User
from forum.notifications import email
from forum.notifications.models import Notification, UserMute
from forum.notifications.tasks import send_digests
from forum.threads import services as thread_services
from forum.threads.models import PostState
from tests.factories import UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_thread(django_capture_on_commit_callbacks, member):
    """`member` started a thread; two others replied (one notification, count 2)."""
    with django_capture_on_commit_callbacks(execute=True):
        thread = make_thread(author=member, title="Digest thread")
        make_reply(thread=thread, author=UserFactory(username="first"), body="One")
        second = make_reply(thread=thread, author=UserFactory(username="second"), body="Two")
    # Only the thread's author wants mail in these tests.
    User.objects.exclude(pk=member.pk).update(email_frequency=EmailFrequency.NEVER)
    return thread, second


def test_one_digest_gathers_everything_unread_and_is_sent_once(busy_thread, member):
    User.objects.filter(pk=member.pk).update(email_frequency=EmailFrequency.DAILY)

    assert send_digests.apply(args=["daily"]).get() == 1
    assert send_digests.apply(args=["daily"]).get() == 0

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [member.email]
    assert "2 replies to you in “Digest thread”" in message.body
    assert "/notifications/unsubscribe/" in message.extra_headers["List-Unsubscribe"]
    assert Notification.objects.get(recipient=member).emailed_at is not None


def test_no_mail_about_content_no_longer_visible(busy_thread, member):
    _, second = busy_thread
    thread_services.post_set_state(post=second, state=PostState.REMOVED, reason="spam")

    member.refresh_from_db()
    assert email.digest_send(user=member) == 0
    assert mail.outbox == []


def test_frequency_never_and_missing_address_get_no_mail(busy_thread, member):
    User.objects.filter(pk=member.pk).update(email_frequency=EmailFrequency.NEVER)
    assert send_digests.apply(args=["daily"]).get() == 0
    User.objects.filter(pk=member.pk).update(email_frequency=EmailFrequency.DAILY, email="")
    member.refresh_from_db()
    assert email.digest_send(user=member) == 0
    assert mail.outbox == []


def test_unsubscribe_token_round_trip_and_forgery(client, member):
    token = email.unsubscribe_token(member)

    assert client.get(f"/notifications/unsubscribe/{token}/").status_code == 200
    member.refresh_from_db()
    assert member.email_frequency != EmailFrequency.NEVER  # GET only asks

    response = client.post(f"/notifications/unsubscribe/{token}/")
    member.refresh_from_db()
    assert response.status_code == 200 and member.email_frequency == EmailFrequency.NEVER
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.post(f"/notifications/unsubscribe/{forged}/").status_code == 400


def test_muting_a_member_silences_what_they_cause(django_capture_on_commit_callbacks, member):
    pest = UserFactory(username="pest")
    UserMute.objects.create(user=member, muted=pest)
    with django_capture_on_commit_callbacks(execute=True):
        thread = make_thread(author=member)
        make_reply(thread=thread, author=pest, body=f"@{member.username} hello")

    assert not Notification.objects.filter(recipient=member).exists()


def test_members_mute_and_unmute_others_through_the_api(member, other_member):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(member)

    assert api.put(f"/api/v1/me/mutes/{other_member.username}/").status_code == 200
    assert api.get("/api/v1/me/mutes/").json() == {
        "next": None,
        "previous": None,
        "results": [{"username": other_member.username}],
    }
    assert api.put(f"/api/v1/me/mutes/{member.username}/").status_code == 400
    assert api.put("/api/v1/me/mutes/nobody-at-all/").status_code == 404
    assert api.delete(f"/api/v1/me/mutes/{other_member.username}/").status_code == 204
    assert api.get("/api/v1/me/mutes/").json()["results"] == []
