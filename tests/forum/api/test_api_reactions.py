"""Reactions through the API: PUT and DELETE on a kind (idempotent, answering the post's
reactions), who reacted under the one pagination contract, the counts on every post and
the caller's own on a post's detail, and a thread's replies ordered by time or reactions
with cursors of their own."""

import pytest

from forum.accounts.models import Sanction
from forum.threads import services
from forum.threads.models import Post, PostState
from tests.factories import UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db

NONE = {"insightful": 0, "agree": 0, "disagree": 0, "sources": 0}


@pytest.fixture
def reply(member):
    thread = make_thread(author=UserFactory(), title="Troop movements")
    return make_reply(thread=thread, author=member, body="Three brigades, not two.")


def test_put_reacts_once_and_answers_the_summary(api, reply, other_member):
    api.force_authenticate(other_member)
    url = f"/api/v1/posts/{reply.pk}/reactions/insightful/"

    first = api.put(url)
    second = api.put(url)

    assert first.status_code == second.status_code == 200
    assert (
        first.json()
        == second.json()
        == {
            "post_id": reply.pk,
            "reactions": {**NONE, "insightful": 1},
            "my_reactions": ["insightful"],
        }
    )


def test_delete_takes_it_back_and_answers_the_summary(api, reply, other_member):
    services.reaction_add(user=other_member, post=reply, kind="agree")
    services.reaction_add(user=other_member, post=reply, kind="sources")
    api.force_authenticate(other_member)

    response = api.delete(f"/api/v1/posts/{reply.pk}/reactions/agree/")
    again = api.delete(f"/api/v1/posts/{reply.pk}/reactions/agree/")

    assert response.status_code == again.status_code == 200
    assert again.json() == {
        "post_id": reply.pk,
        "reactions": {**NONE, "sources": 1},
        "my_reactions": ["sources"],
    }


def test_every_post_carries_its_counts_and_the_detail_the_callers_own(api, reply, other_member):
    services.reaction_add(user=other_member, post=reply, kind="disagree")
    services.reaction_add(user=UserFactory(), post=reply, kind="disagree")

    listed = api.get(f"/api/v1/threads/{reply.thread_id}/posts/").json()["results"]
    anonymous = api.get(f"/api/v1/posts/{reply.pk}/").json()
    api.force_authenticate(other_member)
    mine = api.get(f"/api/v1/posts/{reply.pk}/").json()

    assert [post["reactions"] for post in listed] == [NONE, {**NONE, "disagree": 2}]
    assert "my_reactions" not in listed[0]
    assert (anonymous["reactions"], anonymous["my_reactions"]) == ({**NONE, "disagree": 2}, [])
    assert mine["my_reactions"] == ["disagree"]


def test_refusals_come_in_the_one_error_body(api, reply, member, other_member):
    url = f"/api/v1/posts/{reply.pk}/reactions/agree/"
    assert api.put(url).status_code == 401

    api.force_authenticate(member)
    own = api.put(url)
    assert (own.status_code, own.json()["error"]["code"]) == (403, "own_post")

    api.force_authenticate(other_member)
    unknown = api.put(f"/api/v1/posts/{reply.pk}/reactions/love/")
    assert unknown.status_code == 400
    assert "kind" in unknown.json()["error"]["fields"]
    assert api.put(f"/api/v1/posts/{reply.pk + 1000}/reactions/agree/").status_code == 404

    Sanction.objects.create(user=other_member, kind="silence", reason="flooding")
    silenced = api.put(url)
    assert (silenced.status_code, silenced.json()["error"]["code"]) == (403, "account_silenced")


def test_a_hidden_post_is_not_found_to_react_to_or_to_list(api, reply, other_member, moderator):
    services.post_set_state(post=reply, state=PostState.HIDDEN, reason="Checking")
    api.force_authenticate(other_member)

    assert api.put(f"/api/v1/posts/{reply.pk}/reactions/agree/").status_code == 404
    assert api.get(f"/api/v1/posts/{reply.pk}/reactions/").status_code == 404
    api.force_authenticate(moderator)  # reads it, but a hidden post takes no reactions
    assert api.put(f"/api/v1/posts/{reply.pk}/reactions/agree/").status_code == 404


def test_who_reacted_pages_by_cursor_latest_first(api, reply):
    readers = [UserFactory(username=f"reader{n}") for n in range(5)]
    for reader in readers:
        services.reaction_add(user=reader, post=reply, kind="insightful")
    services.reaction_add(user=readers[0], post=reply, kind="agree")

    names, url = [], f"/api/v1/posts/{reply.pk}/reactions/?kind=insightful&page_size=2"
    while url:
        page = api.get(url).json()
        assert set(page) == {"next", "previous", "results"}
        names += [row["member"]["username"] for row in page["results"]]
        assert {row["kind"] for row in page["results"]} == {"insightful"}
        url = page["next"]

    assert names == [f"reader{n}" for n in (4, 3, 2, 1, 0)]
    every = api.get(f"/api/v1/posts/{reply.pk}/reactions/").json()["results"]
    assert (every[0]["kind"], every[0]["member"]["username"]) == ("agree", "reader0")
    assert len(every) == 6
    bad = api.get(f"/api/v1/posts/{reply.pk}/reactions/?kind=love")
    assert bad.status_code == 400


def _read_all(api, url: str) -> list[int]:
    ids = []
    while url:
        page = api.get(url).json()
        ids += [post["id"] for post in page["results"]]
        url = page["next"]
    return ids


def test_a_threads_replies_in_reaction_order_and_back(api, member):
    thread = make_thread(author=member, title="Ordered")
    replies = [make_reply(thread=thread, body=f"Reply {n}") for n in range(5)]
    readers = UserFactory.create_batch(3)
    for post, count in zip(replies, (1, 3, 0, 2, 3), strict=True):
        for reader in readers[:count]:
            services.reaction_add(user=reader, post=post, kind="agree")
    base = f"/api/v1/threads/{thread.pk}/posts/"

    by_reactions = _read_all(api, base + "?order=reactions&page_size=2")
    newest = _read_all(api, base + "?order=newest&page_size=2")
    reading = _read_all(api, base + "?page_size=2")

    r = [post.pk for post in replies]
    assert by_reactions == [r[4], r[1], r[3], r[0], r[2]]  # ties: newest first
    assert newest == r[::-1]
    assert reading == [thread.opening_post_id, *r]
    second = api.get(base + "?order=reactions&page_size=2").json()["next"]
    back = api.get(api.get(second).json()["previous"]).json()
    assert [post["id"] for post in back["results"]] == [r[4], r[1]]


def test_cursors_belong_to_their_order(api, member):
    thread = make_thread(author=member, title="Ordered")
    for n in range(3):
        make_reply(thread=thread, body=f"Reply {n}")
    base = f"/api/v1/threads/{thread.pk}/posts/"
    reading_next = api.get(base + "?page_size=1").json()["next"]
    cursor = reading_next.split("cursor=")[1].split("&")[0]

    crossed = api.get(base + f"?order=reactions&cursor={cursor}")

    assert crossed.status_code == 400
    assert crossed.json()["error"]["code"] == "bad_cursor"
    assert api.get(base + "?order=sideways").status_code == 400


def test_ranked_orders_leave_out_what_the_caller_may_not_read(api, member, other_member):
    thread = make_thread(author=member, title="Ordered")
    shown = make_reply(thread=thread, body="Shown")
    hidden = make_reply(thread=thread, body="Hidden")
    services.post_set_state(post=hidden, state=PostState.HIDDEN, reason="Checking")
    deleted = make_reply(thread=thread, author=other_member, body="Deleted")
    services.post_delete(actor=other_member, post=Post.objects.get(pk=deleted.pk))

    ids = _read_all(api, f"/api/v1/threads/{thread.pk}/posts/?order=newest")

    assert ids == [shown.pk]


def test_a_placeholder_shows_no_counts(api, reply, other_member):
    services.reaction_add(user=other_member, post=reply, kind="agree")
    services.post_set_state(post=reply, state=PostState.HIDDEN, reason="Checking")

    listed = api.get(f"/api/v1/threads/{reply.thread_id}/posts/").json()["results"]

    placeholder = next(post for post in listed if post["id"] == reply.pk)
    assert placeholder["body_html"] == "" and placeholder["reactions"] == NONE
