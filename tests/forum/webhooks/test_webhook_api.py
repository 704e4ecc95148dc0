"""The webhooks API: yours only, the secret shown once, clear 4xx for bad input."""

import pytest
from rest_framework.test import APIClient

from forum.webhooks import services
from forum.webhooks.models import Webhook, WebhookDelivery
from tests.factories import ModeratorFactory

pytestmark = pytest.mark.django_db

HOOK = {"url": "https://hooks.example.com/parley", "events": ["post.created"]}


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def as_member(api, member):
    api.force_authenticate(member)
    return api


def test_anonymous_callers_are_told_to_sign_in(api, member):
    webhook = services.webhook_create(owner=member, **HOOK)

    for method, path in (
        ("get", "/api/v1/webhooks/"),
        ("post", "/api/v1/webhooks/"),
        ("get", f"/api/v1/webhooks/{webhook.pk}/"),
        ("delete", f"/api/v1/webhooks/{webhook.pk}/"),
        ("get", f"/api/v1/webhooks/{webhook.pk}/deliveries/"),
        ("post", f"/api/v1/webhooks/{webhook.pk}/ping/"),
    ):
        response = getattr(api, method)(path, HOOK, format="json")
        assert response.status_code == 401, (method, path)
        assert response.json()["error"]["code"] == "not_authenticated"
    assert Webhook.objects.get().is_active


def test_the_secret_is_shown_once_on_creation(as_member, member):
    created = as_member.post("/api/v1/webhooks/", HOOK, format="json")

    assert created.status_code == 201, created.json()
    body = created.json()
    webhook = Webhook.objects.get()
    assert body["secret"] == webhook.secret
    assert len(body["secret"]) == 43
    assert (body["url"], body["events"], body["is_active"]) == (HOOK["url"], HOOK["events"], True)
    assert webhook.owner == member

    listing = as_member.get("/api/v1/webhooks/").json()["results"]
    detail = as_member.get(f"/api/v1/webhooks/{webhook.pk}/").json()
    assert [item["id"] for item in listing] == [webhook.pk]
    assert "secret" not in listing[0]
    assert "secret" not in detail
    assert webhook.secret not in str(listing) + str(detail)


def test_each_webhook_gets_its_own_secret(as_member):
    first = as_member.post("/api/v1/webhooks/", HOOK, format="json").json()
    second = as_member.post("/api/v1/webhooks/", HOOK, format="json").json()

    assert first["secret"] != second["secret"]


def test_another_members_webhook_is_not_found(as_member, other_member):
    theirs = services.webhook_create(owner=other_member, **HOOK)

    for method, path in (
        ("get", f"/api/v1/webhooks/{theirs.pk}/"),
        ("delete", f"/api/v1/webhooks/{theirs.pk}/"),
        ("get", f"/api/v1/webhooks/{theirs.pk}/deliveries/"),
        ("post", f"/api/v1/webhooks/{theirs.pk}/ping/"),
        ("get", "/api/v1/webhooks/999999/"),
    ):
        response = getattr(as_member, method)(path)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "not_found"
    assert as_member.get("/api/v1/webhooks/").json()["results"] == []
    assert Webhook.objects.get().is_active
    assert not WebhookDelivery.objects.exists()


def test_staff_cannot_reach_members_webhooks_through_the_api(api, member):
    theirs = services.webhook_create(owner=member, **HOOK)
    api.force_authenticate(ModeratorFactory(username="mod"))

    assert api.get(f"/api/v1/webhooks/{theirs.pk}/").status_code == 404


def test_deleting_deactivates_and_hides_the_webhook(as_member, member):
    webhook = services.webhook_create(owner=member, **HOOK)

    response = as_member.delete(f"/api/v1/webhooks/{webhook.pk}/")

    assert response.status_code == 204
    webhook.refresh_from_db()
    assert not webhook.is_active
    assert webhook.deleted_at is not None
    assert as_member.get("/api/v1/webhooks/").json()["results"] == []
    assert as_member.delete(f"/api/v1/webhooks/{webhook.pk}/").status_code == 404


def test_moderators_events_are_for_moderators(as_member, api):
    response = as_member.post(
        "/api/v1/webhooks/", {**HOOK, "events": ["post.created", "report.filed"]}, format="json"
    )

    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "event_not_allowed"
    assert "report.filed" in error["fields"]["events"][0]
    assert not Webhook.objects.exists()

    api.force_authenticate(ModeratorFactory(username="mod"))
    allowed = api.post("/api/v1/webhooks/", {**HOOK, "events": ["report.filed"]}, format="json")
    assert allowed.status_code == 201


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({**HOOK, "events": ["post.created", "post.edited"]}, "events", "invalid_choice"),
        ({**HOOK, "events": []}, "events", "invalid"),
        ({**HOOK, "events": "post.created"}, "events", "invalid"),
        ({**HOOK, "events": [{"name": "post.created"}]}, "events", "invalid"),
        ({"events": ["post.created"]}, "url", "invalid"),
        ({**HOOK, "url": ""}, "url", "invalid"),
        ({**HOOK, "url": "https://example.com/" + "a" * 481}, "url", "invalid"),
        ({**HOOK, "url": "https://example.com/" + "a" * 5000}, "url", "invalid"),
        ({**HOOK, "url": "ftp://example.com/"}, "url", "invalid_url"),
        ({**HOOK, "url": "https://example.com/\x00"}, "url", "invalid"),
        ({**HOOK, "url": 12}, "url", "invalid_url"),
    ],
)
def test_bad_input_is_a_clear_400_naming_the_field(as_member, payload, field, code):
    response = as_member.post("/api/v1/webhooks/", payload, format="json")

    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == code
    assert field in error["fields"]
    assert not Webhook.objects.exists()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'{"url": ', "parse_error"),
        (b'{"url": "\xff"}', "parse_error"),  # not UTF-8
        (b"[1, 2]", "invalid"),  # JSON, but not an object
        (b"null", "invalid"),
    ],
)
def test_malformed_json_is_a_clear_400(as_member, raw, code):
    response = as_member.post("/api/v1/webhooks/", raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert not Webhook.objects.exists()


def test_a_member_may_keep_ten_webhooks(as_member):
    for _ in range(services.MAX_WEBHOOKS_PER_OWNER):
        assert as_member.post("/api/v1/webhooks/", HOOK, format="json").status_code == 201

    response = as_member.post("/api/v1/webhooks/", HOOK, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_webhooks"


def test_deliveries_are_listed_newest_first_a_page_at_a_time(as_member, member):
    webhook = services.webhook_create(owner=member, **HOOK)
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            webhook=webhook, event="post.created", event_id=f"post.created:{n}", payload={"n": n}
        )
        for n in range(60)
    )

    first = as_member.get(f"/api/v1/webhooks/{webhook.pk}/deliveries/").json()
    second = as_member.get(first["next"]).json()

    assert len(first["results"]) == 50
    assert len(second["results"]) == 10
    assert second["next"] is None
    ids = [item["id"] for item in first["results"] + second["results"]]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == 60
    assert first["results"][0]["status"] == "pending"
    assert (
        as_member.get(
            f"/api/v1/webhooks/{webhook.pk}/deliveries/", {"cursor": "garbage"}
        ).status_code
        == 400  # a bad cursor is bad input (forum/core/pagination.py)
    )


@pytest.mark.usefixtures("allow_private")
def test_a_ping_reaches_the_receiver_signed(
    as_member, member, receiver, django_capture_on_commit_callbacks
):
    webhook = services.webhook_create(owner=member, url=receiver.url, events=["post.created"])

    with django_capture_on_commit_callbacks(execute=True):
        response = as_member.post(f"/api/v1/webhooks/{webhook.pk}/ping/")

    assert response.status_code == 202
    assert response.json()["event"] == "ping"
    [request] = receiver.requests
    assert request.headers["X-Parley-Event"] == "ping"
    assert request.headers["X-Parley-Delivery"] == str(response.json()["id"])
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED

    again = as_member.post(f"/api/v1/webhooks/{webhook.pk}/ping/")
    assert again.status_code == 429
    assert int(again["Retry-After"]) >= 1


def test_a_disabled_webhook_cannot_be_pinged(as_member, member):
    webhook = services.webhook_create(owner=member, **HOOK)
    Webhook.objects.filter(pk=webhook.pk).update(is_active=False)

    response = as_member.post(f"/api/v1/webhooks/{webhook.pk}/ping/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "webhook_disabled"


def test_an_over_long_url_names_the_limit(as_member):
    url = "https://example.com/" + "a" * 481

    response = as_member.post("/api/v1/webhooks/", {**HOOK, "url": url}, format="json")

    assert response.status_code == 400
    assert "500" in response.json()["error"]["fields"]["url"][0]
