"""Attacks found by probing a running instance, each replayed as it was made and now
refused: a made-up X-Forwarded-For resetting the throttles, unlimited password guesses
at the admin's log-in and at other password checks, sign-up telling registered
addresses by its timing, and another site planting text in a member's form."""

import random
from contextlib import ExitStack
from unittest.mock import patch

import pytest
from django.contrib.auth.hashers import get_hasher
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from rest_framework.test import APIClient

from forum.accounts.services import token_create
from forum.core.errors import RateLimited
from forum.core.throttling import (
    LOGIN_FAILURE_LIMIT,
    LOGIN_FAILURE_LIMIT_PER_ADDRESS,
    LoginThrottle,
    RequestRateThrottle,
)
from forum.web.drafts import draft_owner_value
from tests.factories import ModeratorFactory, UserFactory, make_thread

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_throttles")]

PASSWORD = "correct horse battery staple"


def _address() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def _retry_after(response) -> int:
    return int(response["Retry-After"])


# --- 1. the client address comes from the configuration, not from the client -------------


def test_a_made_up_forwarded_for_does_not_reset_the_anonymous_api_throttle(monkeypatch):
    # Daily windows, so that no window boundary falls inside the test.
    monkeypatch.setattr(RequestRateThrottle, "THROTTLE_RATES", {"anon": "5/day"})
    attacker = APIClient(REMOTE_ADDR=_address())
    assert [attacker.get("/api/v1/categories/").status_code for _ in range(5)] == [200] * 5

    spoofed = [
        attacker.get("/api/v1/categories/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        for n in range(10)
    ]

    assert [response.status_code for response in spoofed] == [429] * 10
    assert all(_retry_after(response) > 0 for response in spoofed)


def test_behind_a_trusted_proxy_clients_are_counted_apart_and_still_cannot_pick_one(
    monkeypatch,
):
    monkeypatch.setattr(RequestRateThrottle, "THROTTLE_RATES", {"anon": "3/day"})
    proxy = _address()
    attacker, neighbour = _address(), _address()

    def via_proxy(forwarded: str) -> int:
        client = APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded)
        return client.get("/api/v1/categories/").status_code

    with override_settings(TRUSTED_PROXY_COUNT=1):
        own = [via_proxy(f"made-up-{n}, {attacker}") for n in range(5)]
        other = via_proxy(neighbour)

    assert own == [200, 200, 200, 429, 429]
    assert other == 200


def test_a_made_up_forwarded_for_does_not_lift_the_log_in_lockout():
    UserFactory(username="target")
    attacker = Client(REMOTE_ADDR=_address())
    for _ in range(LOGIN_FAILURE_LIMIT):
        attacker.post("/accounts/login/", {"username": "target", "password": "guess"})

    spoofed = attacker.post(
        "/accounts/login/",
        {"username": "target", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )

    assert spoofed.status_code == 429 and _retry_after(spoofed) > 0


# --- 2. one log-in throttle for every way in ---------------------------------------------


def test_the_admin_log_in_refuses_a_staff_account_after_a_dozen_wrong_passwords():
    ModeratorFactory(username="staffer")
    attacker = Client(REMOTE_ADDR=_address())
    guesses = [
        attacker.post("/admin/login/", {"username": "staffer", "password": f"guess{n}"})
        for n in range(12)
    ]

    right = attacker.post("/admin/login/", {"username": "staffer", "password": PASSWORD})

    assert [response.status_code for response in guesses[:LOGIN_FAILURE_LIMIT]] == [200] * 5
    assert {response.status_code for response in guesses[LOGIN_FAILURE_LIMIT:]} == {429}
    assert right.status_code == 429
    assert _retry_after(right) > 0
    assert "Too many failed attempts" in right.text
    assert "_auth_user_id" not in attacker.session
    assert attacker.get("/admin/").status_code == 302  # still sent to log in


def test_the_admin_and_the_web_log_in_count_wrong_passwords_together():
    ModeratorFactory(username="staffer")
    attacker = Client(REMOTE_ADDR=_address())
    for n in range(3):
        attacker.post("/admin/login/", {"username": "staffer", "password": f"guess{n}"})
        attacker.post("/accounts/login/", {"username": "staffer", "password": f"again{n}"})

    assert attacker.post("/accounts/login/", {"username": "staffer", "password": PASSWORD})[
        "Retry-After"
    ]
    refused = attacker.post("/admin/login/", {"username": "staffer", "password": PASSWORD})
    assert refused.status_code == 429


def test_a_right_password_does_not_count_against_the_limit():
    UserFactory(username="forgetful")
    browser = Client(REMOTE_ADDR=_address())
    for _ in range(LOGIN_FAILURE_LIMIT - 1):
        browser.post("/accounts/login/", {"username": "forgetful", "password": "guess"})

    for _ in range(3):
        logged_in = browser.post(
            "/accounts/login/", {"username": "forgetful", "password": PASSWORD}
        )
        assert logged_in.status_code == 302
        browser.post("/accounts/logout/")


def test_guesses_in_flight_together_count_before_any_is_checked(rf):
    request = rf.post("/accounts/login/", REMOTE_ADDR=_address())

    with ExitStack() as in_flight:
        for _ in range(LOGIN_FAILURE_LIMIT):
            in_flight.enter_context(LoginThrottle.log_in(request, username="target").attempt())
        with pytest.raises(RateLimited) as refused:
            in_flight.enter_context(LoginThrottle.log_in(request, username="target").attempt())

    assert refused.value.status == 429 and refused.value.retry_after > 0


def _logged_in(username: str) -> Client:
    browser = Client(REMOTE_ADDR=_address())
    assert browser.login(username=username, password=PASSWORD)
    return browser


def test_the_password_change_stops_guessing_the_current_password():
    UserFactory(username="victim")
    thief = _logged_in("victim")  # a session taken over, the password not known
    change = {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"}
    for n in range(LOGIN_FAILURE_LIMIT):
        wrong = thief.post("/accounts/password/", {"old_password": f"guess{n}", **change})
        assert wrong.status_code == 400 and "incorrectly" in wrong.text

    right = thief.post("/accounts/password/", {"old_password": PASSWORD, **change})

    assert right.status_code == 429 and _retry_after(right) > 0
    assert "Too many wrong passwords" in right.text
    assert _logged_in("victim")  # the password is unchanged


def test_the_admins_password_change_stops_guessing_too_and_shares_the_count():
    ModeratorFactory(username="staffer")
    thief = _logged_in("staffer")
    change = {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"}
    for n in range(LOGIN_FAILURE_LIMIT - 1):
        thief.post("/admin/password_change/", {"old_password": f"guess{n}", **change})
    thief.post("/accounts/settings/sessions/", {"password": "one more guess"})

    right = thief.post("/admin/password_change/", {"old_password": PASSWORD, **change})

    assert right.status_code == 429 and _retry_after(right) > 0
    assert "Too many wrong passwords" in right.text


def test_invalid_api_tokens_from_one_address_are_throttled(member):
    _, token = token_create(user=member, name="integration")
    attacker = APIClient(REMOTE_ADDR=_address())
    guesses = [
        attacker.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer parley_guess{n}")
        for n in range(LOGIN_FAILURE_LIMIT_PER_ADDRESS + 1)
    ]

    assert {response.status_code for response in guesses[:-1]} == {401}
    refused = guesses[-1]
    assert refused.status_code == 429 and _retry_after(refused) > 0
    assert refused.json()["error"]["code"] == "throttled"
    assert refused.json()["error"]["message"].startswith("Too many invalid tokens")
    # The member's own integration, elsewhere, is not affected.
    elsewhere = APIClient(REMOTE_ADDR=_address(), HTTP_AUTHORIZATION=f"Bearer {token}")
    assert elsewhere.get("/api/v1/me/").status_code == 200


# --- 3. sign-up does the same work for a registered address as for a new one ------------


def test_sign_up_hashes_the_password_whether_or_not_the_address_is_registered():
    UserFactory(username="owner", email="owner@example.test")
    hasher = type(get_hasher())
    answers = {}
    with patch.object(hasher, "encode", autospec=True, side_effect=hasher.encode) as encode:
        for n, email in enumerate(("owner@example.test", "newcomer@example.test")):
            encode.reset_mock()
            response = Client(REMOTE_ADDR=_address()).post(
                "/accounts/signup/",
                {
                    "username": f"prober{n}",
                    "email": email,
                    "password": "a long enough passphrase",
                    "password_again": "a long enough passphrase",
                },
            )
            answers[email] = (
                response.status_code,
                response["Location"],
                sorted(response.cookies),
                encode.call_count,
            )

    assert answers["owner@example.test"] == answers["newcomer@example.test"]
    assert answers["owner@example.test"] == (302, "/accounts/signup/done/", [], 1)


# --- 4. no other site can plant text in a member's form --------------------------------


def _signed_in_browser(member) -> Client:
    """A browser with `member`'s session that, like a real one, sends CSRF tokens."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    return browser


def test_a_cookieless_cross_site_post_sets_no_cookie_and_keeps_no_draft(member):
    thread = make_thread(author=member)
    # The member's browser, posting a form on another site to the thread: its cookies
    # are SameSite, so none go with it.
    browser = Client(enforce_csrf_checks=True)
    sessions = Session.objects.count()

    planted = browser.post(
        thread.get_absolute_url(),
        {"body": "Planted words", "draft_owner": str(member.pk)},
        HTTP_ORIGIN="https://evil.example",
        HTTP_SEC_FETCH_SITE="cross-site",
    )

    assert planted.status_code == 403
    assert not planted.cookies  # no session cookie, no CSRF cookie
    assert Session.objects.count() == sessions
    browser.force_login(member)
    assert "Planted words" not in browser.get(thread.get_absolute_url()).text


def test_a_post_carrying_one_members_session_plants_no_draft_for_another(member, other_member):
    thread = make_thread(author=member)
    url = thread.get_absolute_url()
    sender = _signed_in_browser(member)
    victim = Client()
    victim.force_login(other_member)

    sender.post(
        url,
        {
            "csrfmiddlewaretoken": "x" * 64,
            "body": "Planted words",
            "draft_owner": draft_owner_value(other_member),
        },
    )

    # Kept, if at all, for the member whose session sent it, in that session only.
    assert sender.session["web:draft"]["owner"] == member.pk
    assert "Planted words" not in victim.get(url).text
    assert "web:draft" not in victim.session
    # Nor does it reach the other member logging in where it was sent.
    sender.login(username=other_member.username, password=PASSWORD)
    assert "Planted words" not in sender.get(url).text


def test_a_post_from_another_origin_keeps_no_draft_even_with_the_members_session(member):
    thread = make_thread(author=member)
    # A sibling subdomain is the same site, so the SameSite session cookie goes along.
    browser = _signed_in_browser(member)

    refused = browser.post(
        thread.get_absolute_url(),
        {"body": "Planted words"},
        HTTP_ORIGIN="https://user-content.example.test",
        HTTP_SEC_FETCH_SITE="same-site",
    )

    assert refused.status_code == 403 and "What you wrote is kept" not in refused.text
    assert "web:draft" not in browser.session


def test_a_members_own_stale_form_from_this_site_is_still_kept(member):
    thread = make_thread(author=member)
    browser = _signed_in_browser(member)

    refused = browser.post(
        thread.get_absolute_url(),
        {"csrfmiddlewaretoken": "x" * 64, "body": "Carefully written words"},
        HTTP_ORIGIN="http://testserver",
        HTTP_SEC_FETCH_SITE="same-origin",
    )

    assert refused.status_code == 403 and "What you wrote is kept" in refused.text
    assert "Carefully written words</textarea>" in browser.get(thread.get_absolute_url()).text


def test_a_form_posted_without_a_session_is_kept_only_for_a_member_its_page_named(member):
    thread = make_thread(author=member)
    made_up = Client()
    made_up.post(
        thread.get_absolute_url(), {"body": "Planted words", "draft_owner": str(member.pk)}
    )

    assert "web:draft" not in made_up.session
