"""The growth scenario's "no sequential scans" is judged on the plans of the queries a
read runs when nothing it could be answered or built from is cached: those are the
queries a large forum runs whenever a thread changes."""

import pytest

from benchmarks.growth import explain_reads
from tests.factories import make_reply, make_thread

# Every page read builds its posts from this query, unless the rows were shared from
# another reader's read of the same version of the thread (forum.core.fragments).
PAGE_ROWS = '"threads_post"."path" >'


@pytest.mark.integration  # EXPLAIN on PostgreSQL, the caches in Redis
@pytest.mark.django_db
def test_every_reader_of_a_thread_has_the_query_that_reads_its_posts_explained(member, category):
    thread = make_thread(author=member, category=category, title="Explained")
    make_reply(thread=thread, author=member, body="A reply to read.")

    plans, _ = explain_reads({"demo_thread": thread.pk, "demo_slug": thread.slug})

    thread_pages = {page for page in plans if page.split(":")[1] in ("thread_web", "thread_api")}
    assert thread_pages == {
        "anonymous:thread_web",
        "anonymous:thread_api",
        "member:thread_web",
        "member:thread_api",
        "token:thread_api",
    }
    for page in sorted(thread_pages):
        assert any(PAGE_ROWS in query["sql"] for query in plans[page]), page
        assert all(query["plan"] for query in plans[page]), page
