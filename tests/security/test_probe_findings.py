"""What probing a running forum and fuzzing its API once found, each tried again the way
it was found: a member passing for someone else, an error that told of the internal
network, a server error from a number or a parameter, a response its schema did not
describe, a member's response a shared cache could keep, a token that never expired, a
quote put in someone's mouth."""

import jsonschema
import pytest
from rest_framework.test import APIClient

from forum.accounts import services as account_services
from forum.accounts.services import user_signup
from forum.core.errors import ValidationFailed
from forum.threads.models import Post, Thread
from moderation import actions
from tests.factories import ModeratorFactory, UserFactory, make_reply, make_thread

PASSWORD = "a sturdy passphrase for tests"

pytestmark = pytest.mark.django_db


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- passing for someone else ----------------------------------------------------------


def _set_display_name(user, name: str):
    return api_as(user).patch("/api/v1/me/", {"display_name": name}, format="json")


@pytest.mark.parametrize("name", ["admin", "Admin", "ADM1N", "Аdmin", "ad\u200bmin", "Moderator"])
def test_a_member_cannot_take_a_reserved_name_as_display_name(member, name):
    response = _set_display_name(member, name)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "display_name_reserved"
    assert response.json()["error"]["fields"] == {
        "display_name": ["This name is reserved; choose another."]
    }
    member.refresh_from_db()
    assert member.display_name == ""


@pytest.mark.parametrize("name", ["sentinel", "Sentinel", "SENT1NEL", "Sеntinel", "sent inel"])
def test_a_member_cannot_take_a_moderators_username_as_display_name(member, name):
    ModeratorFactory(username="sentinel")

    response = _set_display_name(member, name)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "display_name_confusable"


def test_a_member_cannot_take_another_members_username_or_display_name(member, other_member):
    other_member.display_name = "Jane Doe"
    other_member.save(update_fields=["display_name"])

    refused = [_set_display_name(member, name) for name in ("0ther", "JANE DOE", "Jane  D0e")]
    allowed = _set_display_name(member, "Member")  # their own username, spelt their way

    assert [r.status_code for r in refused] == [400, 400, 400]
    assert allowed.status_code == 200 and allowed.json()["display_name"] == "Member"


def test_the_settings_page_refuses_a_borrowed_display_name_as_a_form_error(client, member):
    ModeratorFactory(username="sentinel")
    client.force_login(member)

    response = client.post(
        "/accounts/settings/",
        {"display_name": "Sentinel", "bio": "", "email_frequency": "daily"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["display_name"] == [
        "This looks too much like another member's name; choose another."
    ]
    member.refresh_from_db()
    assert member.display_name == ""


def test_a_sign_up_cannot_take_a_reserved_name_or_a_members_display_name(client, member):
    member.display_name = "Night Owl"
    member.save(update_fields=["display_name"])

    for username in ("support", "nightowl", "n1ghtowl"):
        with pytest.raises(ValidationFailed) as refused:
            user_signup(username=username, email=f"{username}@example.test", password=PASSWORD)
        assert refused.value.fields["username"]


def test_a_post_shows_its_authors_username_beside_the_display_name(client, member):
    member.display_name = "Jane Doe"
    member.save(update_fields=["display_name"])
    thread = make_thread(author=member)

    page = client.get(thread.get_absolute_url())

    assert f">Jane Doe (@{member.username})</a>" in page.text


# --- numbers and parameters from a client -------------------------------------------


@pytest.mark.parametrize("number", [2**63, 2**64, 10**30])
def test_marking_notifications_read_with_an_id_past_64_bits_is_a_400(member, number):
    response = api_as(member).post("/api/v1/notifications/read/", {"ids": [number]}, format="json")

    assert response.status_code == 400
    assert "ids" in response.json()["error"]["fields"]


@pytest.mark.parametrize("name", ["actor", "target", "reason", "name"])
def test_an_action_parameter_named_after_the_call_itself_is_a_400(moderator, member, name):
    thread = make_thread(author=member)

    response = api_as(moderator).post(
        "/api/v1/moderation/actions/",
        {"action": "lock", "target_id": thread.pk, "params": {name: 1}},
        format="json",
    )

    assert response.status_code == 400
    message = response.json()["error"]["fields"]["params"][0]
    assert f"“{name}”" in message and "Lock takes no parameters." in message
    thread.refresh_from_db()
    assert not thread.is_locked


def test_an_action_parameter_the_action_does_not_take_is_a_400(moderator, member):
    thread = make_thread(author=member)

    response = api_as(moderator).post(
        "/api/v1/moderation/actions/",
        {"action": "move", "target_id": thread.pk, "params": {"category": 1, "title": "x"}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["params"] == [
        "Unknown parameter “title”. Move to another category takes category."
    ]


@pytest.mark.parametrize("into", [2**64, -1, "1" * 30, True, [1]])
def test_an_action_naming_an_object_by_an_impossible_id_is_a_400(moderator, member, into):
    thread = make_thread(author=member)

    response = api_as(moderator).post(
        "/api/v1/moderation/actions/",
        {"action": "merge", "target_id": thread.pk, "reason": "Same", "params": {"into": into}},
        format="json",
    )

    assert response.status_code == 400
    assert "params.into" in response.json()["error"]["fields"]


def test_an_action_on_a_target_past_64_bits_is_a_400(moderator):
    response = api_as(moderator).post(
        "/api/v1/moderation/actions/", {"action": "lock", "target_id": 2**64}, format="json"
    )

    assert response.status_code == 400
    assert "target_id" in response.json()["error"]["fields"]


def test_a_list_of_actions_names_each_ones_parameters(moderator):
    listed = {
        row["action"]: row
        for row in api_as(moderator).get("/api/v1/moderation/actions/").json()["results"]
    }

    assert listed["lock"]["params"] == []
    assert listed["merge"]["params"] == ["into"]
    assert listed["ban"]["params"] == ["ends_at"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/threads/{n}/", None),
        ("get", "/api/v1/posts/{n}/revisions/", None),
        ("post", "/api/v1/posts/{n}/appeal/", {"message": "Please"}),
        ("put", "/api/v1/threads/{n}/watch/", {"level": "muted"}),
        ("delete", "/api/v1/me/tokens/{n}/", None),
        ("post", "/api/v1/moderation/queue/{n}/claim/", None),
        ("get", "/api/v1/webhooks/{n}/deliveries/", None),
    ],
)
def test_an_id_past_64_bits_in_a_path_is_a_404(moderator, method, path, body):
    client = api_as(moderator)
    response = getattr(client, method)(path.format(n=2**64), body, format="json")

    assert response.status_code == 404


# --- caching of per-member responses --------------------------------------------------


def _cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


def _vary(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",") if part}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/me/",
        "/api/v1/me/tokens/",
        "/api/v1/notifications/",
        "/api/v1/notifications/unread-count/",
        "/api/v1/threads/",
        "/api/v1/categories/",
        "/api/v1/users/member/",
    ],
)
@pytest.mark.parametrize("credentials", ["token", "session"])
def test_a_response_to_a_signed_in_caller_is_private(member, path, credentials):
    client = APIClient()
    if credentials == "token":
        _, token = account_services.token_create(user=member, name="probe")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    else:
        client.force_login(member)

    response = client.get(path)

    assert response.status_code == 200
    assert {"private", "no-cache"} <= _cache_control(response)
    assert {"authorization", "cookie"} <= _vary(response)


def test_a_refused_token_gets_a_private_answer_too(db):
    response = APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer parley_nothing")

    assert response.status_code == 401
    assert "private" in _cache_control(response)


def test_an_anonymous_answer_varies_on_credentials_and_keeps_its_own_caching(member):
    thread = make_thread(author=member)

    listed = APIClient().get("/api/v1/threads/")
    read = APIClient().get(f"/api/v1/threads/{thread.pk}/")
    again = APIClient().get(f"/api/v1/threads/{thread.pk}/")  # from the page cache

    assert "private" not in _cache_control(listed)
    assert {"authorization", "cookie"} <= _vary(listed)
    for response in (read, again):
        assert _cache_control(response) == {"private", "no-cache"}
        assert {"authorization", "cookie"} <= _vary(response)
    assert again.content == read.content


# --- responses and their schema -------------------------------------------------------


def _inlined(node, components: dict):
    """`node` with every `$ref` replaced by the component it names, and OpenAPI's
    `nullable` spelt as JSON Schema spells it."""
    if isinstance(node, list):
        return [_inlined(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _inlined(components[node["$ref"].rsplit("/", 1)[1]], components)
    node = {key: _inlined(value, components) for key, value in node.items()}
    if node.pop("nullable", False):
        node = {"anyOf": [node, {"type": "null"}]}
    return node


def documented_response(path: str, method: str, status: int) -> dict:
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    response = schema["paths"][path][method]["responses"][str(status)]
    body = response["content"]["application/json"]["schema"]
    return _inlined(body, schema["components"]["schemas"])


def test_an_appeal_is_answered_as_its_schema_documents(member, moderator):
    thread = make_thread(author=member)
    post = make_reply(thread=thread, author=member, body="On topic, really.")
    actions.perform("remove", actor=moderator, target=post, reason="Off-topic")

    response = api_as(member).post(
        f"/api/v1/posts/{post.pk}/appeal/", {"message": "It was on topic"}, format="json"
    )

    assert response.status_code == 201
    documented = documented_response("/api/v1/posts/{id}/appeal/", "post", 201)
    jsonschema.validate(response.json(), {**documented, "additionalProperties": False})
    assert set(response.json()) == set(documented["properties"]) == set(documented["required"])
    assert response.json()["post_id"] == post.pk and response.json()["status"] == "queued"


# --- words put in someone's mouth -------------------------------------------------------


@pytest.fixture
def announcement(db):
    admin = UserFactory(username="boss", role="admin", is_staff=True, is_superuser=True)
    thread = make_thread(author=admin, title="House rules", body="Be kind. No spam, ever.")
    return Post.objects.get(pk=thread.opening_post_id)


def _reply_html(member, thread_id: int, body: str) -> dict:
    response = api_as(member).post(
        f"/api/v1/threads/{thread_id}/posts/", {"body": body}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_forged_quote_is_not_attributed(member, announcement):
    forged = _reply_html(
        member,
        announcement.thread_id,
        f'[quote="boss, post:{announcement.pk}"]\nSpam is fine here.\n[/quote]\n\nSee?',
    )

    assert "quote-attribution" not in forged["body_html"]
    assert "boss" not in forged["body_html"] and "data-post" not in forged["body_html"]
    assert Post.objects.get(pk=forged["id"]).quoted_post_ids == []


def test_a_true_quote_is_attributed_and_one_naming_another_author_is_not(member, announcement):
    true = _reply_html(
        member,
        announcement.thread_id,
        f'[quote="boss, post:{announcement.pk}"]\nNo spam, ever.\n[/quote]',
    )
    misnamed = _reply_html(
        member,
        announcement.thread_id,
        f'[quote="member, post:{announcement.pk}"]\nNo spam, ever.\n[/quote]',
    )

    assert f'data-post="{announcement.pk}"' in true["body_html"]
    assert ">@boss</a>" in true["body_html"] and "quote-attribution" in true["body_html"]
    assert "quote-attribution" not in misnamed["body_html"]


def test_a_quote_of_hidden_text_neither_reveals_nor_vouches_for_it(member, moderator, announcement):
    secret = make_reply(
        thread=Thread.objects.get(pk=announcement.thread_id),
        author=announcement.author,
        body="The hidden plan.",
    )
    actions.perform("hide", actor=moderator, target=secret, reason="Not yet")

    reply = _reply_html(
        moderator,
        announcement.thread_id,
        f'[quote="boss, post:{secret.pk}"]\nThe hidden plan.\n[/quote]',
    )

    assert "quote-attribution" not in reply["body_html"]
    assert Post.objects.get(pk=reply["id"]).quoted_post_ids == []


def test_a_preview_attributes_quotes_as_the_post_will_be(client, member, announcement):
    client.force_login(member)
    category = announcement.thread.category.slug

    def preview(words: str):
        body = f'[quote="boss, post:{announcement.pk}"]\n{words}\n[/quote]'
        form = {"category": category, "title": "On the rules", "body": body, "preview": "1"}
        return client.post("/new/", form)

    forged, true = preview("Spam is fine."), preview("Be kind.")

    assert forged.status_code == true.status_code == 200
    assert "quote-attribution" not in forged.context["preview_html"]
    assert "quote-attribution" in true.context["preview_html"]
