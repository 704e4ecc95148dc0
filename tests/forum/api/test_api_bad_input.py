"""Bad input is a clear 4xx in the one error body, never a 5xx and never half-stored:
malformed JSON, wrong types, unknown fields, oversized bodies, ids from elsewhere and
Unicode edge cases."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from forum.accounts.models import ApiToken
from forum.threads.models import Post, PostState, Thread
from forum.threads.services import post_set_state
from tests.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"])
    return body["error"]


@pytest.fixture
def thread(member, category):
    return make_thread(author=member, category=category)


@pytest.fixture
def writes(thread):
    """(method, url, a valid body) for the member's write endpoints."""
    return [
        ("post", "/api/v1/threads/", {"category": "general", "title": "Fine", "body": "Text"}),
        ("post", f"/api/v1/threads/{thread.pk}/posts/", {"body": "Text"}),
        ("patch", f"/api/v1/posts/{thread.opening_post_id}/", {"body": "Edited text"}),
        ("post", "/api/v1/me/tokens/", {"name": "cli"}),
        ("patch", "/api/v1/me/", {"bio": "About me"}),
        ("post", "/api/v1/notifications/read/", {"ids": [1]}),
        ("put", f"/api/v1/threads/{thread.pk}/watch/", {"level": "watching"}),
    ]


@pytest.mark.parametrize(
    "payload",
    [b'{"title": ', b"{'single': 'quotes'}", b'{"a": NaN}', b"\xff\xfe", b'{"a": 1}}'],
)
def test_malformed_json_is_a_parse_error_on_every_write(api, member, writes, payload):
    api.force_authenticate(member)

    for method, url, _ in writes:
        response = getattr(api, method)(url, payload, content_type="application/json")
        assert _error(response, 400)["code"] == "parse_error", url


def test_json_nested_too_deep_is_a_400_not_a_crash(api, member):
    api.force_authenticate(member)

    response = api.post("/api/v1/threads/", b"[" * 100_000, content_type="application/json")

    assert _error(response, 400)["code"] == "parse_error"


@pytest.mark.parametrize("payload", [[], "text", 42, None, [{"body": "x"}]])
def test_a_body_that_is_not_an_object_is_a_400(api, member, thread, payload):
    api.force_authenticate(member)

    response = api.post(
        f"/api/v1/threads/{thread.pk}/posts/", json.dumps(payload), content_type="application/json"
    )

    _error(response, 400)
    assert Post.objects.filter(thread=thread).count() == 1


def test_unknown_fields_are_refused_by_name_on_every_write(api, member, writes):
    api.force_authenticate(member)
    threads_before = Thread.objects.count()

    for method, url, body in writes:
        response = getattr(api, method)(url, {**body, "tilte": "typo", "is_admin": True})
        error = _error(response, 400)
        assert set(error["fields"]) == {"tilte", "is_admin"}, url
        assert error["fields"]["tilte"] == ["Unknown field."]
    assert Thread.objects.count() == threads_before
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    ("url_of", "body", "field"),
    [
        ("threads", {"category": "general", "title": 123, "body": "x"}, "title"),
        ("threads", {"category": "general", "title": "Fine", "body": ["x"]}, "body"),
        ("threads", {"category": ["general"], "title": "Fine", "body": "x"}, "category"),
        ("threads", {"category": "general", "title": {"a": 1}, "body": "x"}, "title"),
        ("reply", {"body": "x", "parent_id": "first"}, "parent_id"),
        ("reply", {"body": "x", "parent_id": 1.5}, "parent_id"),
        ("reply", {"body": "x", "parent_id": 0}, "parent_id"),
        ("reply", {"body": "x", "parent": 2**64}, "parent"),
        ("reply", {"body": None}, "body"),
        ("tokens", {"name": "cli", "read_only": "maybe"}, "read_only"),
        ("read", {"ids": "all"}, "ids"),
        ("read", {"ids": [0]}, "ids"),
        ("watch", {"level": "obsessed"}, "level"),
        ("me", {"email_frequency": "hourly"}, "email_frequency"),
    ],
)
def test_wrong_types_are_400s_naming_the_field(api, member, thread, url_of, body, field):
    urls = {
        "threads": ("post", "/api/v1/threads/"),
        "reply": ("post", f"/api/v1/threads/{thread.pk}/posts/"),
        "tokens": ("post", "/api/v1/me/tokens/"),
        "read": ("post", "/api/v1/notifications/read/"),
        "watch": ("put", f"/api/v1/threads/{thread.pk}/watch/"),
        "me": ("patch", "/api/v1/me/"),
    }
    method, url = urls[url_of]
    api.force_authenticate(member)

    error = _error(getattr(api, method)(url, body), 400)

    assert field in error["fields"]


def test_a_body_past_the_upload_limit_is_a_413_in_the_error_body(api, member, thread):
    api.force_authenticate(member)

    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000):
        big = json.dumps({"body": "x" * 20_000})
        response = api.post(
            f"/api/v1/threads/{thread.pk}/posts/", big, content_type="application/json"
        )
        fits = api.post(
            f"/api/v1/threads/{thread.pk}/posts/",
            json.dumps({"body": "x" * 9_000}),
            content_type="application/json",
        )

    assert _error(response, 413)["code"] == "too_large"
    assert fits.status_code == 201
    assert Post.objects.filter(thread=thread).count() == 2


def test_the_default_limit_admits_a_longest_body_and_refuses_more(api, member, thread):
    api.force_authenticate(member)
    from django.conf import settings

    longest = settings.PARLEY["BODY_MAX_LENGTH"]
    too_big = b'{"body": "' + b"y" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + b'"}'

    refused = api.post(
        f"/api/v1/threads/{thread.pk}/posts/", too_big, content_type="application/json"
    )
    # The longest body allowed, written as \u-escaped JSON (6 bytes a character), still fits.
    escaped = json.dumps({"body": "\u00e9" * longest}, ensure_ascii=True)
    admitted = api.post(
        f"/api/v1/threads/{thread.pk}/posts/", escaped, content_type="application/json"
    )

    assert _error(refused, 413)["code"] == "too_large"
    assert admitted.status_code == 201, admitted.content[:300]


@pytest.mark.parametrize(
    ("limit", "part"),
    [
        ("DATA_UPLOAD_MAX_NUMBER_FILES", lambda n: SimpleUploadedFile(f"{n}.png", b"x")),
        ("DATA_UPLOAD_MAX_NUMBER_FIELDS", lambda n: "x"),
    ],
)
def test_a_multipart_body_past_a_count_limit_is_a_400_in_the_error_body(api, member, limit, part):
    """Django refuses to read more files or fields than its limits; the API says so in
    its one error body (it answered an HTML page)."""
    api.force_authenticate(member)

    with override_settings(**{limit: 3}):
        response = api.post(
            "/api/v1/images/", {f"part{n}": part(n) for n in range(4)}, format="multipart"
        )

    assert _error(response, 400)["code"] == "parse_error"


def test_a_form_encoded_body_is_a_415(api, member):
    api.force_authenticate(member)

    response = api.post(
        "/api/v1/threads/", "title=x", content_type="application/x-www-form-urlencoded"
    )

    assert _error(response, 415)["code"] == "unsupported_media_type"


def test_reply_to_a_post_of_another_thread_or_a_hidden_one_is_the_same_400(
    api, member, other_member, thread, category
):
    elsewhere = make_reply(thread=make_thread(author=member, category=category))
    hidden = make_reply(thread=thread, author=other_member)
    post_set_state(post=hidden, state=PostState.HIDDEN)
    api.force_authenticate(member)

    for parent in (elsewhere.pk, hidden.pk, 10**12):
        response = api.post(
            f"/api/v1/threads/{thread.pk}/posts/", {"body": "x", "parent_id": parent}
        )
        error = _error(response, 400)
        assert error["code"] == "bad_parent"
        assert error["message"] == "parent_id: The post you are replying to is not in this thread."
        assert set(error["fields"]) == {"parent_id"}


def test_revision_numbers_of_another_post_are_404s(api, member, thread):
    api.force_authenticate(member)

    response = api.get(f"/api/v1/posts/{thread.opening_post_id}/diff/", {"old": 1, "new": 7})

    assert _error(response, 404)["code"] == "not_found"


@pytest.mark.parametrize(
    "title",
    [
        "Ünïcödé ✓ 日本語のタイトル",
        "Emoji 🧵🙂 and a flag 🇳🇿",
        "e\u0301 combining accents e\u0301",
        "عنوان عربي",
        "\U0001f600" * 50,
    ],
)
def test_unicode_titles_and_bodies_round_trip(api, member, category, title):
    api.force_authenticate(member)
    body = f"{title}\n\n𝔘𝔫𝔦𝔠𝔬𝔡𝔢 body with a zero\u200bwidth space"

    created = api.post("/api/v1/threads/", {"category": "general", "title": title, "body": body})

    assert created.status_code == 201, created.content
    assert created.json()["title"] == title
    assert Post.objects.get(thread_id=created.json()["id"]).body_source == body


def test_category_needs_to_exist(api, member, category):
    api.force_authenticate(member)
    response = api.post("/api/v1/threads/", {"category": "nope", "title": "Fine", "body": "x"})
    assert "category" in _error(response, 400)["fields"]


@pytest.mark.parametrize(
    ("raw", "field", "code"),
    [
        (b'{"category": "general", "title": "Lone \\ud800 surrogate", "body": "x"}', "title", None),
        (b'{"category": "general", "title": "Fine", "body": "nul \\u0000"}', "body", None),
        (b'{"category": "general", "title": "Sneaky \\u202e title", "body": "x"}', "title", None),
        (b'{"category": "general", "title": "Fine", "body": "\\udfff"}', "body", None),
    ],
)
def test_unencodable_and_control_characters_are_refused_by_field(
    api, member, category, raw, field, code
):
    api.force_authenticate(member)

    response = api.post("/api/v1/threads/", raw, content_type="application/json")

    assert field in _error(response, 400)["fields"]
    assert not Thread.objects.exists()


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/v1/users/%C3%A9l%C3%A8ve/", 404, "not_found"),
        ("/api/v1/users/%F0%9F%99%82/", 404, "not_found"),
        ("/api/v1/search/?q=%00", 400, "invalid"),
        ("/api/v1/threads/?author=%00", 400, "invalid"),
    ],
)
def test_unicode_in_urls_is_a_clear_error_when_it_names_nothing_or_is_not_text(
    api, member, url, status, code
):
    make_thread(author=member)

    response = api.get(url)

    assert _error(response, status)["code"] == code


@pytest.mark.parametrize(
    ("url", "empty"),
    [
        (
            "/api/v1/threads/?category=%E2%80%AE&author=%F0%9F%99%82",
            {"next": None, "previous": None, "results": []},
        ),
        (
            "/api/v1/search/?q=%F0%9F%99%82%20%E2%80%AE",
            {"next": None, "previous": None, "results": []},
        ),
    ],
)
def test_unicode_in_a_list_filter_finds_nothing(api, member, url, empty):
    make_thread(author=member)

    response = api.get(url)

    assert response.status_code == 200
    assert response.json() == empty


@pytest.mark.django_db(transaction=True)
def test_a_huge_body_over_real_http_is_a_413_error_body(live_server, member, category):
    """Through a real server, where the declared Content-Length is refused before the
    body is read."""
    import urllib.error
    import urllib.request

    from django.conf import settings

    from forum.accounts.services import token_create

    thread = make_thread(author=member, category=category)
    _, token = token_create(user=member, name="big")
    payload = b'{"body": "' + b"z" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + b'"}'
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/threads/{thread.pk}/posts/",
        data=payload,
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)

    assert refused.value.code == 413
    body = json.loads(refused.value.read())
    assert body["error"]["code"] == "too_large"
    assert Post.objects.filter(thread=thread).count() == 1


@pytest.mark.parametrize(
    "params",
    [
        {"actor": "a\x00b"},
        {"target_id": "99999999999999999999"},
        {"target_id": "x"},
        {"action": "x" * 41},
    ],
)
def test_moderation_log_filters_are_validated(api, moderator, params):
    api.force_authenticate(moderator)

    response = api.get("/api/v1/moderation/log/", params)

    assert set(_error(response, 400)["fields"]) == set(params)


def test_moderation_list_filters_are_validated(api, moderator):
    api.force_authenticate(moderator)

    assert "reason" in _error(api.get("/api/v1/moderation/queue/", {"reason": "x"}), 400)["fields"]
    assert (
        "status" in _error(api.get("/api/v1/moderation/reports/", {"status": "x"}), 400)["fields"]
    )
    assert api.get("/api/v1/moderation/reports/", {"status": "upheld"}).status_code == 200
