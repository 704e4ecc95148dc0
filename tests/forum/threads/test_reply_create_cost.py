"""What a reply through the API costs in SQL, and the behaviour the cheaper path keeps:
a fixed number of statements whoever replies and whether or not they already watch the
thread; sanctions read once per request yet current in the next; the thread's counters,
the author's count and the revision pointer all written; a merged-away thread refused
with a reason rather than a server error."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from forum.accounts.services import token_create
from forum.core import requestmemo
from forum.core.errors import PermissionDenied
from forum.notifications.models import ThreadWatch, WatchLevel
from forum.threads import services
from forum.threads.models import Post, Thread
from moderation import services as moderation_services
from tests.factories import ModeratorFactory, UserFactory, make_thread

pytestmark = pytest.mark.django_db

BODY = '[quote="author, post:{quoted}"]\nOpening.\n[/quote]\n\nA reply to @author, see https://example.org/x.'

# The token with its member's sanctions, the thread, the rule set, the post it quotes
# (to check the quote before attributing it), and in one statement the author's recent
# posts and checks (for the default rules' flood and identical-post limits, which block:
# read as the batch check reads them); then the transaction: the thread (with the
# author's count and the revision id on PostgreSQL), the post, the revision, the watch,
# and the author's draft of a reply in the thread, deleted now that it is posted.
# The test's own transaction makes the reply's a savepoint: SAVEPOINT and RELEASE, as
# BEGIN and COMMIT in production. Elsewhere the author's count and the post's revision
# pointer are two more.
STATEMENTS = 12 if connection.vendor == "postgresql" else 14


@pytest.fixture
def writer(default_rules):
    return UserFactory(username="writer", trust_level=3, post_count=40)


@pytest.fixture
def client_for(writer):
    def make(user):
        _, token = token_create(user=user, name="bench")
        client = APIClient(HTTP_AUTHORIZATION=f"Bearer {token}")
        client.get("/api/v1/categories/")  # records the token's first use, once a minute
        return client

    return make


def _reply(client, thread, **extra):
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            f"/api/v1/threads/{thread.pk}/posts/",
            {"body": BODY.format(quoted=thread.opening_post_id), **extra},
            format="json",
        )
    assert response.status_code == 201, response.json()
    return response.json(), [query["sql"] for query in captured.captured_queries]


def test_a_reply_costs_the_same_statements_the_first_time_and_after(writer, client_for, category):
    thread = make_thread(author=UserFactory(username="author"), category=category)
    client = client_for(writer)

    first, first_sql = _reply(client, thread)  # adds the writer's watch
    _, second_sql = _reply(client, thread)  # finds it there
    nested, nested_sql = _reply(client, thread, parent=first["id"])

    assert len(first_sql) == STATEMENTS, first_sql
    assert len(second_sql) == STATEMENTS, second_sql
    assert len(nested_sql) == STATEMENTS + 1, nested_sql  # the parent is looked up
    assert sum("moderation_sanction" in sql for sql in second_sql) == 1
    assert ThreadWatch.objects.get(user=writer, thread=thread).level == WatchLevel.WATCHING
    assert nested["depth"] == 2


def test_a_reply_writes_everything_the_slower_path_wrote(writer, client_for, category):
    thread = make_thread(author=UserFactory(username="author"), category=category)
    before = Thread.objects.get(pk=thread.pk)
    reply, _ = _reply(client_for(writer), thread)

    post = Post.objects.select_related("current_revision").get(pk=reply["id"])
    after = Thread.objects.get(pk=thread.pk)
    writer.refresh_from_db()
    assert post.current_revision.post_id == post.pk
    assert post.current_revision.number == 1
    assert post.current_revision.body_source == BODY.format(quoted=thread.opening_post_id)
    assert post.current_revision.body_html == post.body_html == reply["body_html"]
    assert post.parent_id == thread.opening_post_id
    assert (post.position, post.depth) == (2, 1)
    assert post.path == Post.objects.get(pk=thread.opening_post_id).path + "0000002"
    assert post.mentions == ["author"]
    assert post.quoted_post_ids == [thread.opening_post_id]
    assert after.last_position == before.last_position + 1
    assert after.reply_count == before.reply_count + 1
    assert after.version == before.version + 1
    assert after.last_activity_at == post.created_at
    assert writer.post_count == 41
    assert writer.last_posted_at == post.created_at
    assert reply == {
        "id": post.pk,
        "thread_id": thread.pk,
        "parent_id": thread.opening_post_id,
        "depth": 1,
        "author": {"username": "writer", "display_name": writer.shown_name},
        "state": "visible",
        "state_reason": "",
        "body_html": post.body_html,
        "placeholder": "",
        "revision_count": 1,
        "created_at": reply["created_at"],
        "edited_at": None,
        "reactions": {"insightful": 0, "agree": 0, "disagree": 0, "sources": 0},
        "author_muted": False,
        "my_reactions": [],
        "body": BODY.format(quoted=thread.opening_post_id),
    }


def test_a_pending_reply_counts_neither_for_the_thread_nor_for_its_author(
    newcomer, client_for, category
):
    thread = make_thread(author=UserFactory(username="author"), category=category)
    before = Thread.objects.get(pk=thread.pk)
    reply, _ = _reply(client_for(newcomer), thread)

    after = Thread.objects.get(pk=thread.pk)
    newcomer.refresh_from_db()
    assert reply["state"] == "pending"
    assert after.last_position == before.last_position + 1
    assert (after.reply_count, after.last_activity_at) == (
        before.reply_count,
        before.last_activity_at,
    )
    assert newcomer.post_count == 0
    assert Post.objects.get(pk=reply["id"]).current_revision.number == 1


def test_a_sanction_applies_from_the_next_request(writer, client_for, category):
    thread = make_thread(author=UserFactory(username="author"), category=category)
    client = client_for(writer)
    _reply(client, thread)
    moderation_services.sanction_impose(
        actor=ModeratorFactory(username="mod"), user=writer, kind="silence", reason="Cool off."
    )

    refused = client.post(f"/api/v1/threads/{thread.pk}/posts/", {"body": BODY}, format="json")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "account_silenced"


def test_sanctions_are_remembered_within_a_request_only(writer):
    moderator = ModeratorFactory(username="mod")

    def ask() -> frozenset:
        return writer.active_sanction_kinds()

    # Outside a request every question is asked again.
    assert ask() == frozenset()
    sanction = moderation_services.sanction_impose(
        actor=moderator, user=writer, kind="silence", reason="Cool off."
    )
    assert ask() == {"silence"}

    # Inside one, a repeat is answered from memory, until a sanction changes.
    def view(request):
        with CaptureQueriesContext(connection) as captured:
            first, again = ask(), ask()
        assert first == again == {"silence"}
        assert len(captured.captured_queries) == 1
        moderation_services.sanction_lift(actor=moderator, sanction=sanction)
        return ask()

    assert requestmemo.RequestMemoMiddleware(view)(request=None) == frozenset()


def test_remembered_values_stay_inside_their_request():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert requestmemo.remembered("k", compute) == 1
    assert requestmemo.remembered("k", compute) == 2  # no request: no memory

    def view(request):
        first, again = requestmemo.remembered("k", compute), requestmemo.remembered("k", compute)
        requestmemo.forget("k")
        return first, again, requestmemo.remembered("k", compute)

    assert requestmemo.RequestMemoMiddleware(view)(None) == (3, 3, 4)
    assert requestmemo.RequestMemoMiddleware(view)(None) == (5, 5, 6)  # each request anew
    assert requestmemo.remembered("k", compute) == 7


def test_a_moderator_replying_to_a_merged_away_thread_is_told_why(category):
    moderator = ModeratorFactory(username="mod")
    source = make_thread(author=moderator, category=category, title="Merged away")
    target = make_thread(author=moderator, category=category, title="Merged into")
    services.thread_merge(source=source, target=target)

    with pytest.raises(PermissionDenied) as refused:
        services.post_create(author=moderator, thread=Thread.objects.get(pk=source.pk), body="Hi")
    assert refused.value.code == "thread_merged"


def test_a_locked_thread_refuses_a_reply_and_keeps_its_counters(writer, client_for, category):
    thread = make_thread(author=UserFactory(username="author"), category=category)
    services.thread_set_flags(thread=thread, is_locked=True)
    before = Thread.objects.get(pk=thread.pk)
    writer_posts = writer.post_count

    refused = client_for(writer).post(
        f"/api/v1/threads/{thread.pk}/posts/", {"body": BODY}, format="json"
    )

    after = Thread.objects.get(pk=thread.pk)
    writer.refresh_from_db()
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "thread_locked"
    assert (after.last_position, after.version, after.reply_count) == (
        before.last_position,
        before.version,
        before.reply_count,
    )
    assert writer.post_count == writer_posts
