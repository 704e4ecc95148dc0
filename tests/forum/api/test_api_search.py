"""Search over thread titles and post bodies: only what the searcher may read, best
matches first, with snippets whose only markup is <mark>."""

import pytest
from django.db import connection

from forum.threads.models import PostState
from forum.threads.services import post_delete, post_set_state, thread_set_state
from tests.factories import UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


def _search(api, q, **params):
    response = api.get("/api/v1/search/", {"q": q, **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_finds_posts_by_body_and_opening_posts_by_title(api, member, category):
    thread = make_thread(author=member, category=category, title="Satellite images")
    reply = make_reply(thread=thread, author=member, body="The satellite passed at noon.")
    make_reply(thread=thread, author=member, body="Nothing relevant here.")

    hits = _search(api, "satellite")["results"]

    assert {hit["post_id"] for hit in hits} == {thread.opening_post_id, reply.pk}
    by_id = {hit["post_id"]: hit for hit in hits}
    assert by_id[thread.opening_post_id]["is_opening_post"] is True
    assert "<mark>" in by_id[reply.pk]["snippet_html"].lower()
    assert by_id[reply.pk]["thread_title"] == "Satellite images"


def test_snippets_escape_stored_text_and_mark_only_matches(api, member, category):
    thread = make_thread(author=member, category=category, title="Markup")
    make_reply(
        thread=thread,
        author=member,
        body='Look: <script>alert("x")</script> <b>bold</b> & the keyword zebra here.',
    )

    hit = next(h for h in _search(api, "zebra")["results"] if not h["is_opening_post"])

    snippet = hit["snippet_html"]
    assert "<script" not in snippet and "<b>" not in snippet
    assert "&amp;" in snippet  # stored text is escaped; only <mark> is markup
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0
    assert "<mark>zebra</mark>" in snippet


def test_never_finds_what_the_searcher_may_not_read(api, member, other_member, moderator, category):
    thread = make_thread(author=member, category=category, title="Open")
    visible = make_reply(thread=thread, author=member, body="walrus visible")
    hidden = make_reply(thread=thread, author=member, body="walrus hidden")
    pending = make_reply(thread=thread, author=member, body="walrus pending")
    deleted = make_reply(thread=thread, author=member, body="walrus deleted")
    post_set_state(post=hidden, state=PostState.HIDDEN)
    post_set_state(post=pending, state=PostState.PENDING)
    post_delete(actor=member, post=deleted)
    secret_thread = make_thread(author=member, category=category, title="Walrus secrets")
    in_secret = make_reply(thread=secret_thread, author=other_member, body="walrus in hidden")
    thread_set_state(thread=secret_thread, state=PostState.HIDDEN)

    def found(viewer):
        api.force_authenticate(viewer)
        return {hit["post_id"] for hit in _search(api, "walrus")["results"]}

    assert found(None) == {visible.pk}
    assert found(other_member) == {visible.pk}
    # Authors find their own pending and hidden posts (not deleted ones), and what they may
    # read in their own hidden thread, as its page shows them; moderators find everything.
    assert found(member) == {
        visible.pk,
        hidden.pk,
        pending.pk,
        secret_thread.opening_post_id,
        in_secret.pk,
    }
    assert found(moderator) == {
        visible.pk,
        hidden.pk,
        pending.pk,
        deleted.pk,
        secret_thread.opening_post_id,
        in_secret.pk,
    }


def test_pages_are_bounded(api, member, category):
    author = UserFactory(username="prolific")
    thread = make_thread(author=author, category=category, title="Many")
    for n in range(25):
        make_reply(thread=thread, author=author, body=f"narwhal number {n}")

    first = _search(api, "narwhal")
    second = api.get(first["next"]).json()

    assert len(first["results"]) == 20 and first["previous"] is None
    assert len(second["results"]) == 5 and second["next"] is None
    assert api.get(second["previous"]).json() == first
    ids = [h["post_id"] for h in first["results"] + second["results"]]
    assert len(set(ids)) == 25
    for bad in (
        {"q": ""},
        {"q": "x", "page_size": 0},
        {"q": "x", "page_size": 51},
        {"q": "x", "cursor": "nonsense"},
        {"q": "x" * 201},
        {},
    ):
        response = api.get("/api/v1/search/", bad)
        assert response.status_code == 400, bad


@pytest.mark.integration
def test_postgres_ranks_matches_and_uses_the_gin_indexes(api, member, category):
    if connection.vendor != "postgresql":
        pytest.fail("Full-text search is PostgreSQL's; this test needs DATABASE_URL.")
    thread = make_thread(author=member, category=category, title="Ranking")
    once = make_reply(thread=thread, author=member, body="An otter, and other things entirely.")
    often = make_reply(thread=thread, author=member, body="Otter otters otter: otters everywhere.")

    hits = _search(api, "otter")["results"]

    assert [hit["post_id"] for hit in hits][:2] == [often.pk, once.pk]
    assert hits[0]["rank"] > hits[1]["rank"] > 0
    # Phrases and exclusions (websearch syntax).
    assert {h["post_id"] for h in _search(api, '"otters everywhere"')["results"]} == {often.pk}
    assert {h["post_id"] for h in _search(api, "otter -entirely")["results"]} == {often.pk}
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM threads_post WHERE to_tsvector('english'::regconfig, "
            "COALESCE(body_source, '')) @@ websearch_to_tsquery('english'::regconfig, 'otter')"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(
            "EXPLAIN SELECT id FROM threads_thread WHERE to_tsvector('english'::regconfig, "
            "COALESCE(title, '')) @@ websearch_to_tsquery('english'::regconfig, 'otter')"
        )
        title_plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "post_body_search" in plan
    assert "thread_title_search" in title_plan


@pytest.mark.integration
def test_the_query_django_builds_is_the_indexed_expression(member, category):
    """The index is only used if the search's SQL names exactly its expression."""
    from django.contrib.postgres.search import SearchQuery

    from forum.threads import search
    from forum.threads.models import Post

    query = SearchQuery("otter", search_type="websearch", config=search.CONFIG)
    rows = Post.objects.annotate(m=search.body_vector()).filter(m=query).values("pk")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        sql, params = rows.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "post_body_search" in plan


def test_filters_narrow_the_results_and_the_cursor_is_tied_to_them(api, member, category):
    other = UserFactory(username="otherauthor", trust_level=2)
    thread = make_thread(author=member, category=category, title="Lynx tracks")
    for n in range(3):
        make_reply(thread=thread, author=other, body=f"lynx reply {n}")

    by_other = _search(api, "lynx", author="otherauthor", page_size=2)
    assert len(by_other["results"]) == 2
    assert {hit["author"]["username"] for hit in by_other["results"]} == {"otherauthor"}
    threads_only = _search(api, "lynx", type="threads")["results"]
    assert [hit["post_id"] for hit in threads_only] == [thread.opening_post_id]
    assert _search(api, "lynx", category=category.slug, type="posts")["results"]
    assert _search(api, "lynx", category="elsewhere")["results"] == []
    assert _search(api, "lynx", created_after="2999-01-01T00:00:00Z")["results"] == []
    assert len(_search(api, "lynx", created_before="2999-01-01T00:00:00Z")["results"]) == 4

    # A cursor belongs to its words and filters: with another author it is refused.
    cursor = by_other["next"].split("cursor=")[1].split("&")[0]
    moved = api.get("/api/v1/search/", {"q": "lynx", "author": member.username, "cursor": cursor})
    assert moved.status_code == 400 and moved.json()["error"]["code"] == "bad_cursor"
    following = api.get(by_other["next"]).json()
    assert [hit["author"]["username"] for hit in following["results"]] == ["otherauthor"]


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "everything"},
        {"created_after": "yesterday"},
        {"created_before": "2020-13-40"},
        {"created_after": "2024-02-01T00:00:00Z", "created_before": "2024-01-01T00:00:00Z"},
        {"category": "c" * 81},
    ],
)
def test_bad_filters_are_a_400_naming_the_field(api, bad):
    response = api.get("/api/v1/search/", {"q": "lynx", **bad})

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert set(error["fields"]) <= {"type", "created_after", "created_before", "category"}
    assert error["fields"]
