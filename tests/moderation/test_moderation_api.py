"""The moderator API and the member's report and appeal endpoints."""

import pytest
from rest_framework.test import APIClient

from forum.threads.models import PostState
from moderation.models import ModerationLogEntry, ReviewItem
from tests.factories import UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_members_get_403_and_anonymous_callers_are_refused(api, member):
    for path in (
        "/api/v1/moderation/queue/",
        "/api/v1/moderation/log/",
        "/api/v1/moderation/actions/",
    ):
        assert api.get(path).status_code == 401
    api.force_authenticate(member)
    response = api.get("/api/v1/moderation/queue/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_moderator"


def test_report_claim_and_decide_through_the_api(api, member, moderator):
    post = make_reply(thread=make_thread(author=member), author=member, body="Buy now")
    api.force_authenticate(UserFactory(username="reporter"))
    filed = api.post(
        f"/api/v1/posts/{post.pk}/reports/", {"reason": "spam", "paragraph": 0}, format="json"
    )
    assert filed.status_code == 201
    again = api.post(f"/api/v1/posts/{post.pk}/reports/", {"reason": "spam"}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_reported"

    api.force_authenticate(moderator)
    queue = api.get("/api/v1/moderation/queue/?reason=reports").json()["results"]
    assert [item["post_id"] for item in queue] == [post.pk]
    item_id = queue[0]["id"]
    detail = api.get(f"/api/v1/moderation/queue/{item_id}/").json()
    assert detail["reports"][0]["paragraph"] == 0
    assert api.post(f"/api/v1/moderation/queue/{item_id}/claim/").json()["claimed_by"] == "mod"
    decided = api.post(
        f"/api/v1/moderation/queue/{item_id}/decide/",
        {"decision": "reject", "reason": "Spam"},
        format="json",
    )
    assert decided.status_code == 200 and decided.json()["state"] == "rejected"

    post.refresh_from_db()
    assert post.state == PostState.REMOVED
    log = api.get("/api/v1/moderation/log/?action=remove").json()["results"]
    assert [(e["actor"], e["target_id"], e["reason"]) for e in log] == [("mod", post.pk, "Spam")]


def test_actions_endpoint_runs_the_registry(api, member, moderator):
    thread = make_thread(author=member)
    api.force_authenticate(moderator)

    assert {"lock", "remove", "silence"} <= {
        a["action"] for a in api.get("/api/v1/moderation/actions/").json()["results"]
    }
    locked = api.post(
        "/api/v1/moderation/actions/", {"action": "lock", "target_id": thread.pk}, format="json"
    )
    assert locked.json() == {"action": "lock", "changed": True, "message": "Lock: done."}
    missing = api.post(
        "/api/v1/moderation/actions/", {"action": "lock", "target_id": 999999}, format="json"
    )
    assert missing.status_code == 404
    bad = api.post(
        "/api/v1/moderation/actions/",
        {"action": "move", "target_id": thread.pk, "params": {"category": "x"}},
        format="json",
    )
    assert bad.status_code == 400 and "params.category" in bad.json()["error"]["fields"]
    silenced = api.post(
        "/api/v1/moderation/actions/",
        {
            "action": "silence",
            "target_id": member.pk,
            "reason": "Cool off",
            "params": {"ends_at": "2099-01-01T00:00:00Z"},
        },
        format="json",
    )
    assert silenced.json()["changed"] is True
    sanctions = api.get("/api/v1/moderation/sanctions/").json()["results"]
    assert [(s["user"], s["kind"]) for s in sanctions] == [("member", "silence")]
    lifted = api.post(f"/api/v1/moderation/sanctions/{sanctions[0]['id']}/lift/")
    assert lifted.json()["changed"] is True
    assert ModerationLogEntry.objects.filter(action="lift_sanction").count() == 1


def test_report_on_a_post_one_cannot_see_is_a_404(api, member, newcomer, other_member):
    pending = make_reply(thread=make_thread(author=member), author=newcomer)
    api.force_authenticate(other_member)

    for post_id in (pending.pk, 999999):
        response = api.post(f"/api/v1/posts/{post_id}/reports/", {"reason": "spam"}, format="json")
        assert response.status_code == 404


def test_author_appeals_a_removed_post_once(api, member, moderator):
    from moderation import actions

    post = make_reply(thread=make_thread(author=member), author=member)
    actions.perform("remove", actor=moderator, target=post, reason="Off-topic")
    api.force_authenticate(member)

    first = api.post(
        f"/api/v1/posts/{post.pk}/appeal/", {"message": "It was on topic"}, format="json"
    )
    second = api.post(f"/api/v1/posts/{post.pk}/appeal/", {"message": "Please"}, format="json")

    assert first.status_code == 201 and second.status_code == 409
    assert ReviewItem.objects.get(post=post, state="pending").reasons == ["appeal"]


def test_the_author_sees_why_their_post_is_held(api, member, newcomer):
    thread = make_thread(author=member)
    make_reply(thread=thread, author=newcomer, body="Hello")

    api.force_authenticate(newcomer)
    mine = api.get(f"/api/v1/threads/{thread.pk}/posts/").json()["results"][-1]
    assert mine["state"] == "pending" and "new members" in mine["state_reason"]

    api.force_authenticate(member)
    assert [
        p["state"] for p in api.get(f"/api/v1/threads/{thread.pk}/posts/").json()["results"]
    ] == ["visible"]
