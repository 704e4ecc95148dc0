"""The settings page beyond the profile: muted members, API tokens, and logging out
everywhere else."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from forum.accounts.models import ApiToken
from forum.accounts.services import token_digest, user_log_out_everywhere
from forum.core.errors import ValidationFailed
from forum.notifications.models import UserMute
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_throttles")]

PASSWORD = "correct horse battery staple"


# --- muted members ----------------------------------------------------------------------


def test_mute_and_unmute_a_member(client, member, other_member):
    client.force_login(member)

    muted = client.post("/accounts/settings/mutes/", {"username": "other"})

    assert muted.status_code == 302 and muted["Location"] == "/accounts/settings/#muted"
    assert UserMute.objects.filter(user=member, muted=other_member).exists()
    page = client.get("/accounts/settings/")
    assert "other is muted." in page.text
    assert 'aria-label="Unmute other"' in page.text

    client.post("/accounts/settings/mutes/", {"username": "other", "unmute": "1"})

    assert not UserMute.objects.exists()
    assert "You have muted nobody." in client.get("/accounts/settings/").text


def test_muting_nobody_or_oneself_is_refused_next_to_the_field(client, member):
    client.force_login(member)

    unknown = client.post("/accounts/settings/mutes/", {"username": "ghost-of-nobody"})
    myself = client.post("/accounts/settings/mutes/", {"username": "member"})

    assert unknown.status_code == 400
    assert unknown.context["mute_form"].errors["username"] == [
        "There is no member with that username."
    ]
    assert 'value="ghost-of-nobody"' in unknown.text  # what was typed stays
    assert myself.context["mute_form"].errors["username"] == ["You cannot mute yourself."]
    # The other forms on the page come back untouched.
    assert not unknown.context["form"].is_bound and not UserMute.objects.exists()


# --- API tokens -------------------------------------------------------------------------


def test_a_token_is_shown_once_listed_with_its_last_use_and_revoked(client, member):
    client.force_login(member)

    created = client.post("/accounts/settings/tokens/", {"name": "My script"})

    token = created.context["token"]
    assert created.status_code == 200 and created["Cache-Control"] == "no-store"
    assert token.startswith("parley_") and f'value="{token}"' in created.text
    row = ApiToken.objects.get(user=member)
    assert row.digest == token_digest(token) and not row.read_only
    settings_page = client.get("/accounts/settings/")
    assert token not in settings_page.text  # only ever shown on the page that made it
    assert "My script" in settings_page.text and f"{row.prefix}…" in settings_page.text
    assert 'token-last-used">Never</td>' in settings_page.text

    api = Client()
    used = api.get("/api/v1/notifications/unread-count/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert used.status_code == 200
    assert 'token-last-used"><time' in client.get("/accounts/settings/").text

    revoked = client.post(f"/accounts/settings/tokens/{row.pk}/revoke/")

    assert revoked.status_code == 302
    assert api.get(
        "/api/v1/notifications/unread-count/", HTTP_AUTHORIZATION=f"Bearer {token}"
    ).status_code in (401, 403)
    assert "My script" not in client.get("/accounts/settings/").text


def test_a_token_gets_the_expiry_chosen_for_it_and_the_page_shows_it(client, member):
    client.force_login(member)
    page = client.get("/accounts/settings/")
    assert '<option value="90" selected>In 90 days</option>' in page.text

    month = client.post("/accounts/settings/tokens/", {"name": "month", "expires_in_days": "30"})
    client.post("/accounts/settings/tokens/", {"name": "forever", "expires_in_days": ""})

    row = ApiToken.objects.get(name="month")
    assert dt.timedelta(days=29) < row.expires_at - timezone.now() <= dt.timedelta(days=30)
    assert ApiToken.objects.get(name="forever").expires_at is None
    assert "when it stops working" in month.text
    listed = client.get("/accounts/settings/").text
    assert f'<time datetime="{row.expires_at:%Y-%m-%d}' in listed
    assert 'token-expires">Never</td>' in listed

    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now())
    assert 'token-expires"><strong>Expired</strong>' in client.get("/accounts/settings/").text
    refused = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {month.context['token']}")
    assert refused.status_code == 401


def test_a_token_lifetime_the_form_does_not_offer_is_refused(client, member):
    client.force_login(member)

    response = client.post("/accounts/settings/tokens/", {"name": "odd", "expires_in_days": "7"})

    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_a_read_only_token_reads_but_cannot_write(client, member):
    client.force_login(member)
    token = client.post(
        "/accounts/settings/tokens/", {"name": "reader", "read_only": "on"}
    ).context["token"]

    api = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert api.get("/api/v1/notifications/", **auth).status_code == 200
    assert api.post("/api/v1/notifications/read/", {}, **auth).status_code == 403
    assert "Read-only" in client.get("/accounts/settings/").text


def test_token_errors_sit_next_to_the_field_and_others_tokens_cannot_be_revoked(
    client, member, other_member
):
    client.force_login(other_member)
    theirs = client.post("/accounts/settings/tokens/", {"name": "theirs"}).context["row"]
    client.force_login(member)

    nameless = client.post("/accounts/settings/tokens/", {"name": "  "})
    foreign = client.post(f"/accounts/settings/tokens/{theirs.pk}/revoke/")

    assert nameless.status_code == 400 and "name" in nameless.context["token_form"].errors
    assert foreign.status_code == 404
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None


# --- logging out everywhere -------------------------------------------------------------


def _logged_in(username: str) -> Client:
    browser = Client()
    assert browser.post("/accounts/login/", {"username": username, "password": PASSWORD})[
        "Location"
    ]
    assert browser.get("/accounts/settings/").status_code == 200
    return browser


def test_log_out_everywhere_ends_other_sessions_and_keeps_this_one():
    UserFactory(username="traveller")
    laptop, phone, library = (_logged_in("traveller") for _ in range(3))
    old_key = laptop.cookies["sessionid"].value

    done = laptop.post("/accounts/settings/sessions/", {"password": PASSWORD})

    assert done.status_code == 302
    assert laptop.cookies["sessionid"].value != old_key  # this session got a new key
    assert "logged out everywhere else" in laptop.get("/accounts/settings/").text
    for other in (phone, library):
        response = other.get("/accounts/settings/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    # The password itself still works.
    assert _logged_in("traveller")


def test_log_out_everywhere_needs_the_password_and_stops_guessing(member):
    browser = _logged_in("member")
    bystander = _logged_in("member")

    for _ in range(5):
        wrong = browser.post("/accounts/settings/sessions/", {"password": "guess"})
        assert wrong.status_code == 400
        assert wrong.context["sessions_form"].errors["password"] == [
            "That is not your current password."
        ]
    throttled = browser.post("/accounts/settings/sessions/", {"password": PASSWORD})

    assert throttled.status_code == 429 and throttled["Retry-After"]
    assert "Too many wrong passwords" in throttled.text
    assert bystander.get("/accounts/settings/").status_code == 200


def test_the_service_refuses_a_wrong_password_and_changes_nothing(member):
    stored = member.password

    with pytest.raises(ValidationFailed) as refused:
        user_log_out_everywhere(user=member, password="not it")

    assert refused.value.fields == {"password": ["That is not your current password."]}
    member.refresh_from_db()
    assert member.password == stored
    user_log_out_everywhere(user=member, password=PASSWORD)
    member.refresh_from_db()
    assert member.password != stored and member.check_password(PASSWORD)


def test_mute_from_a_profile_and_come_back_to_it(client, member, other_member):
    client.force_login(member)
    profile = client.get("/u/other/")
    assert 'name="next" value="/u/other/"' in profile.text and ">Mute</button>" in profile.text

    muted = client.post("/accounts/settings/mutes/", {"username": "other", "next": "/u/other/"})

    assert muted["Location"] == "/u/other/"
    assert "You have muted other" in client.get("/u/other/").text
    elsewhere = client.post(
        "/accounts/settings/mutes/",
        {"username": "other", "unmute": "1", "next": "https://evil.example/"},
    )
    assert elsewhere["Location"] == "/accounts/settings/#muted"  # never off-site
    assert not UserMute.objects.exists()
    assert ">Mute</button>" not in client.get("/u/member/").text  # not oneself


def test_the_new_pages_carry_no_inline_script_or_style(client, member, moderator):
    import re

    from moderation import actions
    from tests.factories import make_reply, make_thread

    thread = make_thread(author=moderator)
    removed = make_reply(thread=thread, author=member)
    actions.perform("remove", actor=moderator, target=removed, reason="Off-topic")
    client.force_login(member)
    pages = [
        client.get("/accounts/settings/"),
        client.post("/accounts/settings/tokens/", {"name": "script"}),
        client.get(f"/p/{removed.pk}/appeal/"),
        client.get(f"/u/{moderator.username}/"),
    ]
    for response in pages:
        html = response.text
        assert response.status_code == 200
        assert html.count("<script") == 1
        assert '<script src="/static/web/parley.js" defer></script>' in html
        assert not re.search(r"\s(on[a-z]+|style)\s*=", html)
