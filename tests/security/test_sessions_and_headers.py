"""Sessions, cookies and headers: production settings make cookies secure and send HSTS,
a strict CSP with frame-ancestors and a referrer policy; every URL that takes a POST
refuses one without a CSRF token; log-in rotates the session and a password change ends
the others; sign-up, log-in and password reset never tell whether an account exists."""

import importlib
import re

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from forum.accounts.models import User
from tests.factories import UserFactory, make_thread

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_throttles")]

PASSWORD = "correct horse battery staple"


# --- production settings ------------------------------------------------------------------


@pytest.fixture(scope="module")
def prod():
    return importlib.import_module("forum.settings.prod")


PROD_SECURITY = (
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
)


def test_production_settings_are_secure(prod):
    assert prod.DEBUG is False
    assert prod.SECURE_SSL_REDIRECT is True
    assert prod.SESSION_COOKIE_SECURE is True and prod.SESSION_COOKIE_HTTPONLY is True
    assert prod.CSRF_COOKIE_SECURE is True
    assert prod.SECURE_HSTS_SECONDS >= 31_536_000
    assert prod.SECURE_HSTS_INCLUDE_SUBDOMAINS is True
    assert prod.SECURE_REFERRER_POLICY == "same-origin"
    assert prod.X_FRAME_OPTIONS == "DENY"
    assert getattr(prod, "SESSION_COOKIE_SAMESITE", "Lax") in ("Lax", "Strict")


def test_production_responses_carry_hsts_csp_and_secure_cookies(prod, client):
    UserFactory(username="reader", password=PASSWORD)
    with override_settings(**{name: getattr(prod, name) for name in PROD_SECURITY}):
        plain = client.get("/")
        assert plain.status_code == 301 and plain["Location"].startswith("https://")

        page = client.get("/", secure=True)
        assert page.status_code == 200
        assert page["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")
        assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
        assert page["Referrer-Policy"] == "same-origin"
        assert page["X-Frame-Options"] == "DENY"
        assert page["X-Content-Type-Options"] == "nosniff"

        login = client.post(
            "/accounts/login/", {"username": "reader", "password": PASSWORD}, secure=True
        )
        assert login.status_code == 302
        session = login.cookies["sessionid"]
        assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
        assert client.cookies["csrftoken"]["secure"]


# --- CSRF on every URL that could take a POST ----------------------------------------------

# The one documented exception: one-click unsubscribe (RFC 8058) is POSTed by mail clients
# with no session; its signed token is what authenticates it. Skipped too: the API's
# catch-all, which answers any unknown path with a JSON 404 and does nothing.
CSRF_EXEMPT = {"web:unsubscribe", "api:not-found"}


def _every_pattern(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _every_pattern(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name or ''}"


def _sample_url(pattern: str, values: dict[str, str]) -> str:
    """A concrete URL for a route or regex pattern, with realistic values."""
    url = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: values.get(m.group(2), "1"), pattern)
    # Regex patterns (the admin's): named groups get a value, anchors and escapes go.
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values.get(m.group(1), "1"), url)
    url = url.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")
    return "/" + url


def test_every_url_refuses_a_post_without_a_csrf_token(member, other_member):
    thread = make_thread(author=other_member)
    values = {
        "pk": str(thread.opening_post_id),
        "slug": thread.slug,
        "username": other_member.username,
        "uidb64": "MQ",
        "token": "set-password",
        "app_label": "accounts",
        "model_name": "user",
        "object_id": str(member.pk),
        "id": "1",
        "url": "x",
        "path": "x",
        "content_type_id": "1",
    }
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    checked, refused = [], []
    for pattern, name in _every_pattern():
        if name in CSRF_EXEMPT or "static" in pattern:
            continue
        url = _sample_url(pattern, values)
        data = {"body": "x", "reason": "spam", "title": "xxxx"}
        if name == "api:image-upload":
            # Its one body that is not JSON: an image, as a form sends it.
            response = strict.post(url, data)
        elif url.startswith("/api/"):
            # The API takes JSON only (a form body is a 415 before anything else), so
            # send what it would act on: only the missing token may stop it.
            response = strict.post(url, data, content_type="application/json")
        else:
            response = strict.post(url, data)
        checked.append(url)
        if response.status_code != 403:
            refused.append((name, url, response.status_code))
    assert len(checked) > 60  # the web UI, the API and the admin
    assert not refused, refused
    assert thread.posts.count() == 1


def test_the_api_refuses_a_cookie_session_post_without_a_csrf_token(member, category):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)

    response = strict.post(
        "/api/v1/threads/",
        {"category": category.slug, "title": "Forged", "body": "From another site."},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


# --- sessions -------------------------------------------------------------------------------


def test_log_in_issues_a_new_session_key(client):
    UserFactory(username="reader", password=PASSWORD)
    client.get("/accounts/login/")
    session = client.session
    session["visited"] = True
    session.save()
    before = session.session_key

    client.post("/accounts/login/", {"username": "reader", "password": PASSWORD})

    assert client.session.session_key != before
    assert client.session.get("_auth_user_id")


def test_changing_the_password_ends_the_other_sessions():
    UserFactory(username="reader", password=PASSWORD)
    laptop, phone = Client(), Client()
    for device in (laptop, phone):
        assert (
            device.post(
                "/accounts/login/", {"username": "reader", "password": PASSWORD}
            ).status_code
            == 302
        )

    changed = laptop.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "an entirely new passphrase",
            "new_password2": "an entirely new passphrase",
        },
    )

    assert changed.status_code == 302
    assert laptop.get("/accounts/settings/").status_code == 200
    assert phone.get("/accounts/settings/").status_code == 302  # sent to log in


def test_logging_out_ends_the_session_on_the_server(client):
    from django.contrib.sessions.models import Session

    UserFactory(username="reader", password=PASSWORD)
    client.post("/accounts/login/", {"username": "reader", "password": PASSWORD})
    key = client.session.session_key

    client.post("/accounts/logout/")

    assert not Session.objects.filter(session_key=key).exists()


# --- no account enumeration -----------------------------------------------------------------


def _page_text(response) -> str:
    """What a visitor reads, without the per-request CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def test_log_in_answers_alike_for_an_unknown_name_a_wrong_password_and_an_inactive_account():
    UserFactory(username="known", password=PASSWORD)
    UserFactory(username="dormant", password=PASSWORD, is_active=False)
    answers = []
    for username, password in [
        ("unknown", PASSWORD),
        ("known", "not the password"),
        ("dormant", PASSWORD),
    ]:
        response = Client().post("/accounts/login/", {"username": username, "password": password})
        text = _page_text(response).replace(username, "NAME")
        answers.append((response.status_code, text))

    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 400


def test_log_in_throttling_does_not_tell_known_names_from_unknown_ones():
    UserFactory(username="known", password=PASSWORD)
    statuses = {}
    for username in ("known", "unknown"):
        visitor = Client(REMOTE_ADDR=f"10.0.0.{len(statuses) + 1}")
        for _ in range(5):
            visitor.post("/accounts/login/", {"username": username, "password": "wrong"})
        statuses[username] = visitor.post(
            "/accounts/login/", {"username": username, "password": "wrong"}
        ).status_code

    assert statuses["known"] == statuses["unknown"] == 429


def test_password_reset_answers_alike_for_known_and_unknown_addresses():
    UserFactory(username="known", email="known@example.test")
    answers = []
    for address in ("known@example.test", "nobody@example.test"):
        response = Client().post("/accounts/password/reset/", {"email": address})
        answers.append((response.status_code, response.get("Location")))

    assert answers[0] == answers[1]
    assert answers[0][0] == 302
    # One mail to each address, so that neither answer comes later than the other: the
    # link to the account, and a note that no account uses the other address.
    assert [message.to for message in mail.outbox] == [
        ["known@example.test"],
        ["nobody@example.test"],
    ]
    assert "/accounts/password/reset/" in mail.outbox[0].body
    assert "no account you can log in to uses it" in mail.outbox[1].body


def test_sign_up_answers_alike_for_a_new_and_a_registered_address():
    UserFactory(username="owner", email="taken@example.test")
    answers = []
    for username, address in (("first", "fresh@example.test"), ("second", "taken@example.test")):
        response = Client().post(
            "/accounts/signup/",
            {
                "username": username,
                "email": address,
                "password": "a sturdy passphrase",
                "password_again": "a sturdy passphrase",
            },
        )
        answers.append((response.status_code, response.get("Location")))

    assert answers[0] == answers[1] == (302, "/accounts/signup/done/")
    assert User.objects.filter(username="first").exists()
    assert not User.objects.filter(username="second").exists()
