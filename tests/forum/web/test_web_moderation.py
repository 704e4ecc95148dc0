"""Reporting, watching, notifications and moderators' controls in the web UI."""

import pytest

from forum.notifications.models import Notification, ThreadWatch
from forum.notifications.services import notifications_mark_read
from forum.threads.models import PostState, Thread
from moderation.models import ModerationLogEntry, Report
from tests.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db

LONG_POST = "First paragraph, harmless.\n\nSecond paragraph, the offending one.\n\nThird."


def test_report_one_paragraph_of_a_post(client, member, other_member):
    thread = make_thread(author=other_member, body=LONG_POST)
    url = f"/p/{thread.opening_post_id}/report/"
    client.force_login(member)

    form = client.get(f"{url}?paragraph=1")
    assert form.status_code == 200
    assert '<option value="1" selected>Paragraph 2: Second paragraph, the offending one.' in (
        form.text
    )

    response = client.post(url, {"reason": "abuse", "paragraph": "1", "message": "Rude."})

    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.reporter, report.reason, report.paragraph, report.message) == (
        member,
        "abuse",
        1,
        "Rude.",
    )
    assert "moderators will look" in client.get(response["Location"], follow=True).text


def test_report_errors_sit_next_to_the_field_and_keep_the_message(client, member, other_member):
    thread = make_thread(author=other_member, body=LONG_POST)
    url = f"/p/{thread.opening_post_id}/report/"
    client.force_login(member)

    no_reason = client.post(url, {"message": "typed words"})
    other_needs_words = client.post(url, {"reason": "other", "message": ""})
    bad_paragraph = client.post(url, {"reason": "spam", "paragraph": "99"})

    assert no_reason.status_code == 400 and "reason" in no_reason.context["form"].errors
    assert "typed words</textarea>" in no_reason.text
    assert other_needs_words.context["form"].errors["message"] == [
        "Say what is wrong when the reason is “other”."
    ]
    assert "paragraph" in bad_paragraph.context["form"].errors
    assert not Report.objects.exists()


def test_a_second_report_is_refused_with_a_clear_message(client, member, other_member):
    thread = make_thread(author=other_member)
    url = f"/p/{thread.opening_post_id}/report/"
    client.force_login(member)
    client.post(url, {"reason": "spam"})

    response = client.post(url, {"reason": "spam"})

    assert response.status_code == 409
    assert "You have already reported this post." in response.text


def test_own_posts_cannot_be_reported(client, member):
    thread = make_thread(author=member)
    client.force_login(member)

    assert client.get(f"/p/{thread.opening_post_id}/report/").status_code == 403


def test_watch_level_is_set_from_the_thread_page(client, member, other_member):
    thread = make_thread(author=other_member)
    client.force_login(member)
    page = client.get(thread.get_absolute_url())
    assert '<option value="normal" selected>' in page.text

    response = client.post(f"{thread.get_absolute_url()}watch/", {"level": "muted"})
    bad = client.post(f"{thread.get_absolute_url()}watch/", {"level": "loud"})

    assert response.status_code == 302 and bad.status_code == 302
    assert ThreadWatch.objects.get(user=member, thread=thread).level == "muted"
    assert '<option value="muted" selected>' in client.get(thread.get_absolute_url()).text


def test_mark_all_notifications_read(
    client, member, other_member, django_capture_on_commit_callbacks
):
    thread = make_thread(author=member)
    with django_capture_on_commit_callbacks(execute=True):
        make_reply(thread=thread, author=other_member)
    assert Notification.objects.filter(recipient=member, read_at__isnull=True).exists()
    client.force_login(member)
    assert "Mark all read" in client.get("/notifications/").text

    response = client.post("/notifications/read/")

    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True).exists()
    assert "Mark all read" not in client.get("/notifications/").text
    assert notifications_mark_read(user=member) == 0


def test_moderator_sees_states_and_approves_a_pending_post_from_the_thread_page(
    client, moderator, member, newcomer
):
    thread = make_thread(author=member)
    pending = make_reply(thread=thread, author=newcomer, body="Waiting words")
    assert pending.state == PostState.PENDING
    client.force_login(moderator)

    page = client.get(thread.get_absolute_url())
    assert "State: <strong>Pending review</strong>" in page.text
    assert f'href="/admin/accounts/user/{newcomer.pk}/change/"' in page.text
    assert f'action="/p/{pending.pk}/moderate/"' in page.text

    response = client.post(f"/p/{pending.pk}/moderate/", {"action": "approve", "reason": ""})

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.state == PostState.VISIBLE
    assert ModerationLogEntry.objects.filter(action="approve").exists()


def test_hide_without_a_reason_comes_back_with_the_reason_field_marked(client, moderator, member):
    thread = make_thread(author=member)
    reply = make_reply(thread=thread, author=member)
    client.force_login(moderator)

    response = client.post(f"/p/{reply.pk}/moderate/", {"action": "hide", "reason": ""})

    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == ["Say why (Hide)."]
    reply.refresh_from_db()
    assert reply.state == PostState.VISIBLE

    hidden = client.post(f"/p/{reply.pk}/moderate/", {"action": "hide", "reason": "Spam link"})
    assert hidden.status_code == 302
    reply.refresh_from_db()
    assert (reply.state, reply.state_reason) == (PostState.HIDDEN, "Spam link")


def test_moderator_locks_and_unlocks_a_thread(client, moderator, member):
    thread = make_thread(author=member)
    client.force_login(moderator)

    client.post(f"{thread.get_absolute_url()}moderate/", {"action": "lock"})
    assert Thread.objects.get(pk=thread.pk).is_locked
    assert "Unlock thread" in client.get(thread.get_absolute_url()).text
    client.post(f"{thread.get_absolute_url()}moderate/", {"action": "unlock"})
    assert not Thread.objects.get(pk=thread.pk).is_locked


def test_members_get_no_moderator_controls_and_cannot_use_them(client, member, other_member):
    thread = make_thread(author=other_member)
    reply = make_reply(thread=thread, author=other_member)
    client.force_login(member)

    page = client.get(thread.get_absolute_url())
    refused = client.post(f"/p/{reply.pk}/moderate/", {"action": "remove", "reason": "x"})

    assert "/moderate/" not in page.text and "/admin/" not in page.text
    assert refused.status_code == 403
    reply.refresh_from_db()
    assert reply.state == PostState.VISIBLE


def test_unknown_moderator_action_is_a_form_error(client, moderator, member):
    reply = make_reply(thread=make_thread(author=member), author=member)
    client.force_login(moderator)

    response = client.post(f"/p/{reply.pk}/moderate/", {"action": "ban", "reason": "x"})

    assert response.status_code == 400
    assert "action" in response.context["form"].errors


def test_moderator_edit_of_someone_elses_post_needs_a_reason_and_is_logged(
    client, moderator, member
):
    reply = make_reply(thread=make_thread(author=member), author=member, body="Call 555-0100")
    client.force_login(moderator)
    url = f"/p/{reply.pk}/edit/"
    assert "for the moderation log" in client.get(url).text

    missing = client.post(url, {"body": "Call [number removed]", "reason": ""})
    saved = client.post(url, {"body": "Call [number removed]", "reason": "personal data"})

    assert missing.status_code == 400 and "reason" in missing.context["form"].errors
    assert "Call [number removed]</textarea>" in missing.text
    assert saved.status_code == 302
    reply.refresh_from_db()
    assert reply.body_source == "Call [number removed]"
    entry = ModerationLogEntry.objects.get(action="edit")
    assert entry.reason == "personal data"
