"""Limits on the account pages that send e-mail: nobody can use sign-up or password
reset to flood an inbox, or one address to make accounts in bulk, and the limits reveal
nothing about which addresses have accounts."""

import pytest
from django.core import mail
from django.core.cache import cache

from forum.accounts.models import User
from forum.web.forms import RESET_MAILS_PER_EMAIL
from forum.web.views import accounts as views
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    mail.outbox = []


def _signup(client, n: int, email: str | None = None):
    return client.post(
        "/accounts/signup/",
        {
            "username": f"newbie{n}",
            "email": email or f"newbie{n}@example.test",
            "password": "a long enough passphrase",
            "password_again": "a long enough passphrase",
        },
    )


def test_one_address_makes_a_few_accounts_an_hour_then_waits(client):
    for n in range(views.SIGNUPS_PER_ADDRESS):
        assert _signup(client, n)["Location"] == "/accounts/signup/done/"

    refused = _signup(client, 99)

    assert refused.status_code == 429 and refused["Retry-After"] == "3600"
    assert "Too many requests from your address" in refused.text
    assert 'value="newbie99"' in refused.text  # what was typed stays
    assert not User.objects.filter(username="newbie99").exists()
    assert len(mail.outbox) == views.SIGNUPS_PER_ADDRESS


def test_a_taken_username_does_not_count_against_the_address(client):
    UserFactory(username="taken")
    for _ in range(views.SIGNUPS_PER_ADDRESS + 2):
        response = client.post(
            "/accounts/signup/",
            {
                "username": "taken",
                "email": "someone@example.test",
                "password": "a long enough passphrase",
                "password_again": "a long enough passphrase",
            },
        )
        assert response.status_code == 400
    assert _signup(client, 1)["Location"] == "/accounts/signup/done/"


def test_sign_up_sends_one_address_only_a_few_mails_and_answers_the_same(client):
    UserFactory(username="owner", email="owner@example.test")
    answers = [
        _signup(client, n, email="owner@example.test")["Location"]
        for n in range(views.SIGNUP_MAILS_PER_EMAIL + 1)
    ]

    assert answers == ["/accounts/signup/done/"] * (views.SIGNUP_MAILS_PER_EMAIL + 1)
    assert len(mail.outbox) == views.SIGNUP_MAILS_PER_EMAIL


def test_password_reset_mails_an_address_a_few_times_an_hour_whoever_asks(client):
    UserFactory(username="owner", email="owner@example.test")
    answers = [
        client.post("/accounts/password/reset/", {"email": "owner@example.test"})["Location"]
        for _ in range(RESET_MAILS_PER_EMAIL + 1)
    ]
    unknown = [
        client.post("/accounts/password/reset/", {"email": "nobody@example.test"})["Location"]
        for _ in range(RESET_MAILS_PER_EMAIL + 1)
    ]

    assert set(answers) == set(unknown) == {"/accounts/password/reset/sent/"}
    # Each address is mailed a few times an hour, whether or not an account uses it.
    assert [message.to for message in mail.outbox] == [["owner@example.test"]] * (
        RESET_MAILS_PER_EMAIL
    ) + [["nobody@example.test"]] * RESET_MAILS_PER_EMAIL


def test_password_reset_requests_from_one_address_are_limited(client):
    for n in range(views.RESETS_PER_ADDRESS):
        assert client.post("/accounts/password/reset/", {"email": f"x{n}@example.test"})["Location"]

    refused = client.post("/accounts/password/reset/", {"email": "late@example.test"})

    assert refused.status_code == 429 and refused["Retry-After"] == "3600"
    assert 'value="late@example.test"' in refused.text
