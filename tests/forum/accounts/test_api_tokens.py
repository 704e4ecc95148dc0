"""Personal API tokens, throttling and conditional reads."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from forum.accounts.models import ApiToken, Sanction
from forum.accounts.services import MAX_TOKENS_PER_MEMBER, token_create
from forum.threads.models import Thread
from tests.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_a_token_is_shown_once_stored_hashed_and_works(api, member, category):
    api.force_authenticate(member)
    created = api.post("/api/v1/me/tokens/", {"name": "CI bot"}, format="json").json()
    token = created["token"]
    api.force_authenticate(None)

    row = ApiToken.objects.get(pk=created["id"])
    assert token not in (row.digest, row.prefix) and token.startswith(row.prefix)
    assert "token" not in api.get("/api/v1/me/tokens/", **bearer(token)).json()["results"][0]

    started = api.post(
        "/api/v1/threads/",
        {"category": category.slug, "title": "Via a token", "body": "Hello"},
        format="json",
        **bearer(token),
    )
    assert started.status_code == 201
    row.refresh_from_db()
    assert row.last_used_at is not None
    assert api.get("/api/v1/me/", **bearer(token)).json()["username"] == member.username


def test_read_only_tokens_cannot_write(api, member, category):
    _, token = token_create(user=member, name="reader", read_only=True)

    assert api.get("/api/v1/threads/", **bearer(token)).status_code == 200
    refused = api.post(
        "/api/v1/threads/",
        {"category": category.slug, "title": "No", "body": "x"},
        format="json",
        **bearer(token),
    )
    assert refused.status_code == 403
    assert not Thread.objects.exists()


def test_revoked_forged_and_suspended_tokens_are_401(api, member, other_member, moderator):
    row, token = token_create(user=member, name="old")
    api.force_authenticate(member)
    assert api.delete(f"/api/v1/me/tokens/{row.pk}/").status_code == 204
    api.force_authenticate(other_member)
    assert api.delete(f"/api/v1/me/tokens/{row.pk}/").status_code == 404
    api.force_authenticate(None)

    for bad in (token, token[:-1] + "x", "parley_nope", "not-even-a-prefix"):
        response = api.get("/api/v1/me/", **bearer(bad))
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "authentication_failed"
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'

    _, fresh = token_create(user=member, name="new")
    Sanction.objects.create(user=member, kind="suspend", reason="spam")
    assert api.get("/api/v1/me/", **bearer(fresh)).status_code == 401


def test_anonymous_writes_are_401_with_the_error_body(api, category):
    response = api.post(
        "/api/v1/threads/",
        {"category": category.slug, "title": "Hi there", "body": "x"},
        format="json",
    )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_throttling_answers_429_with_retry_after(api, monkeypatch):
    from forum.core.throttling import RequestRateThrottle

    cache.clear()
    # A day's window, so that no window's end falls between the requests: a minute's
    # would start counting afresh in the middle of the test about once in a thousand runs.
    monkeypatch.setattr(RequestRateThrottle, "THROTTLE_RATES", {"anon": "3/day"})

    statuses = [api.get("/api/v1/categories/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    refused = api.get("/api/v1/categories/")
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["error"]["code"] == "throttled"
    cache.clear()


def test_thread_reads_answer_304_until_the_thread_changes(api, member, other_member):
    thread = make_thread(author=member)
    api.force_authenticate(other_member)

    first = api.get(f"/api/v1/threads/{thread.pk}/posts/")
    etag = first["ETag"]
    again = api.get(f"/api/v1/threads/{thread.pk}/posts/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag

    make_reply(thread=thread, author=member, body="News")
    changed = api.get(f"/api/v1/threads/{thread.pk}/posts/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and len(changed.json()["results"]) == 2

    # Another viewer never gets a 304 for someone else's view.
    api.force_authenticate(member)
    assert (
        api.get(
            f"/api/v1/threads/{thread.pk}/posts/", HTTP_IF_NONE_MATCH=changed["ETag"]
        ).status_code
        == 200
    )
    detail = api.get(f"/api/v1/threads/{thread.pk}/")
    assert (
        api.get(f"/api/v1/threads/{thread.pk}/", HTTP_IF_NONE_MATCH=detail["ETag"]).status_code
        == 304
    )


def test_hostile_cursor_values_never_reach_the_etag_header(api, member):
    thread = make_thread(author=member)

    response = api.get(f"/api/v1/threads/{thread.pk}/posts/", {"cursor": '"\r\nX-Evil: 1'})

    # Not a cursor this API hands out: refused before anything is built from it.
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_cursor"
    assert "X-Evil" not in response
    assert "Evil" not in response.get("ETag", "")


def test_a_token_chosen_to_expire_stops_working_then_like_a_revoked_one(api, member):
    api.force_authenticate(member)
    created = api.post(
        "/api/v1/me/tokens/", {"name": "month", "expires_in_days": 30}, format="json"
    ).json()
    forever = api.post("/api/v1/me/tokens/", {"name": "forever"}, format="json").json()
    api.force_authenticate(None)
    row = ApiToken.objects.get(pk=created["id"])
    assert created["expires_at"] is not None and forever["expires_at"] is None
    assert dt.timedelta(days=29) < row.expires_at - timezone.now() <= dt.timedelta(days=30)
    assert api.get("/api/v1/me/", **bearer(created["token"])).status_code == 200

    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    expired = api.get("/api/v1/me/", **bearer(created["token"]))
    revoked_row, revoked_token = token_create(user=member, name="revoked")
    ApiToken.objects.filter(pk=revoked_row.pk).update(revoked_at=timezone.now())
    revoked = api.get("/api/v1/me/", **bearer(revoked_token))

    assert expired.status_code == revoked.status_code == 401
    assert (
        expired.json()
        == revoked.json()
        == {"error": {"code": "authentication_failed", "message": "Invalid token."}}
    )
    assert api.get("/api/v1/me/", **bearer(forever["token"])).status_code == 200
    page = api.get("/api/v1/me/tokens/", **bearer(forever["token"])).json()
    listed = {row["name"]: row for row in page["results"]}
    assert listed["month"]["expires_at"] is not None and listed["forever"]["expires_at"] is None
    assert listed["forever"]["last_used_at"] is not None


@pytest.mark.parametrize("lifetime", [0, 7, 10**20, "30 days", True])
def test_a_token_lifetime_outside_the_choices_is_a_400(api, member, lifetime):
    api.force_authenticate(member)

    response = api.post(
        "/api/v1/me/tokens/", {"name": "odd", "expires_in_days": lifetime}, format="json"
    )

    assert response.status_code == 400
    assert "expires_in_days" in response.json()["error"]["fields"]
    assert not ApiToken.objects.exists()


def test_expired_tokens_do_not_count_against_the_limit(member):
    for number in range(MAX_TOKENS_PER_MEMBER):
        token_create(user=member, name=f"t{number}", expires_in_days=30)
    ApiToken.objects.update(expires_at=timezone.now())

    row, _ = token_create(user=member, name="one more")

    assert row.pk
