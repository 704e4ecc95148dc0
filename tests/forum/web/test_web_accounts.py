"""Accounts in the web UI: sign-up with e-mail confirmation, log in with throttling, log
out, password change and reset, settings."""

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from forum.accounts.models import EmailFrequency, User
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_throttles")]

PASSWORD = "correct horse battery staple"


def _signup(client, **overrides):
    data = {
        "username": "newbie",
        "email": "newbie@example.test",
        "password": "a long enough passphrase",
        "password_again": "a long enough passphrase",
        **overrides,
    }
    return client.post("/accounts/signup/", data)


def _confirm_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/signup/confirm/\S+/)", message.body).group(1)


def test_sign_up_sends_a_confirmation_link_that_activates_and_logs_in(client):
    response = _signup(client)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/signup/done/"
    user = User.objects.get(username="newbie")
    assert not user.is_active and user.trust_level == 0
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["newbie@example.test"]
    link = _confirm_link(mail.outbox[0])

    # GET only asks (mail scanners follow links); POST confirms and logs in.
    assert "Confirm and log in" in client.get(link).text
    assert User.objects.get(pk=user.pk).is_active is False
    response = client.post(link)

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active
    assert client.get("/").context["user"] == user
    # The link works once.
    assert client.post(link).status_code == 400


def test_sign_up_with_a_registered_email_looks_the_same_and_tells_its_owner(client):
    UserFactory(username="owner", email="taken@example.test")

    response = _signup(client, email="taken@example.test")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/signup/done/"
    assert not User.objects.filter(username="newbie").exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["taken@example.test"]
    assert "already belongs to an account" in mail.outbox[0].body


def test_sign_up_refuses_a_taken_username_next_to_the_field_keeping_what_was_typed(client):
    UserFactory(username="newbie")

    response = _signup(client, email="fresh@example.test")

    assert response.status_code == 400
    assert response.context["form"].errors["username"] == [
        "This username is taken; choose another."
    ]
    assert 'value="fresh@example.test"' in response.text
    assert 'value="newbie"' in response.text
    # Passwords are never sent back.
    assert "a long enough passphrase" not in response.text


def test_sign_up_applies_the_password_validators_and_the_twice_check(client):
    weak = _signup(client, password="password", password_again="password")
    differ = _signup(client, password_again="another long passphrase")

    assert weak.status_code == 400
    assert any("too common" in m for m in weak.context["form"].errors["password"])
    assert differ.context["form"].errors["password_again"] == ["The two passwords differ."]
    assert not User.objects.filter(username="newbie").exists()


def test_log_in_rotates_the_session_and_log_out_needs_a_post(client):
    member = UserFactory(username="reader")
    session = client.session  # an anonymous session, as a visitor may already have
    session["seen"] = True
    session.save()
    client.cookies["sessionid"] = session.session_key
    before = session.session_key

    response = client.post(
        "/accounts/login/", {"username": "reader", "password": PASSWORD, "next": "/new/"}
    )

    assert response.status_code == 302 and response["Location"] == "/new/"
    assert client.cookies["sessionid"].value not in ("", before)
    assert client.get("/").context["user"] == member
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert not client.get("/").context["user"].is_authenticated


def test_log_in_is_throttled_after_five_bad_passwords_and_keeps_the_username(client):
    UserFactory(username="target")
    for _ in range(5):
        bad = client.post("/accounts/login/", {"username": "target", "password": "wrong"})
        assert bad.status_code == 400

    # Even the right password is refused now, with a clear message.
    response = client.post("/accounts/login/", {"username": "target", "password": PASSWORD})

    assert response.status_code == 429
    assert "Too many failed attempts" in response.text
    assert 'value="target"' in response.text
    assert not response.context["user"].is_authenticated
    # Another address is not affected.
    elsewhere = Client(REMOTE_ADDR="192.0.2.9")
    ok = elsewhere.post("/accounts/login/", {"username": "target", "password": PASSWORD})
    assert ok.status_code == 302


def test_unconfirmed_accounts_cannot_log_in(client):
    _signup(client)

    response = client.post(
        "/accounts/login/", {"username": "newbie", "password": "a long enough passphrase"}
    )

    assert response.status_code == 400
    assert not response.context["user"].is_authenticated


def test_a_password_form_sent_back_with_errors_is_a_400_as_every_refused_form(client):
    member = UserFactory(username="forgetful", email="forgetful@example.test")
    mismatched = {"new_password1": "one new passphrase", "new_password2": "another one"}

    assert client.post("/accounts/password/reset/", {"email": "no address"}).status_code == 400
    uidb64 = urlsafe_base64_encode(force_bytes(member.pk))
    token = default_token_generator.make_token(member)
    form_url = client.get(f"/accounts/password/reset/{uidb64}/{token}/")["Location"]
    assert client.post(form_url, mismatched).status_code == 400
    client.force_login(member)
    wrong = client.post("/accounts/password/", {"old_password": "a guess", **mismatched})
    assert wrong.status_code == 400 and "incorrectly" in wrong.text
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_password_change_and_reset(client):
    member = UserFactory(username="forgetful", email="forgetful@example.test")
    client.force_login(member)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "an entirely new passphrase",
            "new_password2": "an entirely new passphrase",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("an entirely new passphrase")
    client.post("/accounts/logout/")

    # Unknown addresses get the same answer, and a mail saying no account uses them.
    assert client.post("/accounts/password/reset/", {"email": "nobody@example.test"})[
        "Location"
    ] == ("/accounts/password/reset/sent/")
    assert [message.to for message in mail.outbox] == [["nobody@example.test"]]
    assert "no account you can log in to uses it" in mail.outbox[0].body
    assert "/accounts/password/reset/" in mail.outbox[0].body
    mail.outbox.clear()
    client.post("/accounts/password/reset/", {"email": "forgetful@example.test"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    form_url = client.get(link.group(1))["Location"]
    response = client.post(
        form_url,
        {"new_password1": "reset to this passphrase", "new_password2": "reset to this passphrase"},
    )
    assert response["Location"] == "/accounts/password/reset/done/"
    member.refresh_from_db()
    assert member.check_password("reset to this passphrase")


def test_settings_change_profile_and_email_frequency(client, member):
    client.force_login(member)
    assert client.get("/accounts/settings/").status_code == 200

    response = client.post(
        "/accounts/settings/",
        {
            "display_name": "Mem Ber",
            "bio": "I read a lot.",
            "email_frequency": EmailFrequency.WEEKLY,
        },
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.display_name == "Mem Ber" and member.bio == "I read a lot."
    assert member.email_frequency == "weekly" and member.auto_watch_threads is False


def test_settings_refuse_a_bad_choice_and_keep_the_text(client, member):
    client.force_login(member)

    response = client.post(
        "/accounts/settings/",
        {"display_name": "Kept name", "bio": "Kept bio", "email_frequency": "hourly"},
    )

    assert response.status_code == 400
    assert "email_frequency" in response.context["form"].errors
    assert 'value="Kept name"' in response.text and "Kept bio" in response.text
    member.refresh_from_db()
    assert member.display_name == ""


def test_pages_for_members_send_visitors_to_the_web_login(client):
    for url in ("/new/", "/accounts/settings/", "/notifications/", "/accounts/password/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_every_form_post_needs_the_csrf_token(member):
    strict = Client(enforce_csrf_checks=True)
    assert (
        strict.post("/accounts/login/", {"username": "member", "password": PASSWORD}).status_code
        == 403
    )
    assert strict.post("/accounts/signup/", {"username": "x"}).status_code == 403
    strict.force_login(member)
    for url in ("/new/", "/accounts/settings/", "/notifications/read/", "/accounts/logout/"):
        response = strict.post(url, {})
        assert response.status_code == 403 and "This form had expired" in response.text, url


def test_one_address_trying_many_usernames_is_throttled_too(client):
    from forum.core.throttling import LOGIN_FAILURE_LIMIT_PER_ADDRESS

    UserFactory(username="sprayed")
    for n in range(LOGIN_FAILURE_LIMIT_PER_ADDRESS):
        client.post("/accounts/login/", {"username": f"guess{n}", "password": "Summer2026!"})

    response = client.post("/accounts/login/", {"username": "sprayed", "password": PASSWORD})

    assert response.status_code == 429


def test_signing_up_again_with_an_unconfirmed_address_resends_its_confirmation(client):
    _signup(client)
    first_link = _confirm_link(mail.outbox[0])

    response = _signup(client, username="other-name")

    assert response["Location"] == "/accounts/signup/done/"
    assert not User.objects.filter(username="other-name").exists()
    assert len(mail.outbox) == 2
    assert _confirm_link(mail.outbox[1]).split("/")[4] == first_link.split("/")[4]
    client.post(_confirm_link(mail.outbox[1]))
    assert User.objects.get(username="newbie").is_active
