"""Atom feeds show what an anonymous visitor sees, whoever asks, at a fixed query cost."""

import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum.threads import services
from forum.threads.models import PostState
from tests.factories import CategoryFactory, ModeratorFactory, UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def _entries(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "summary": entry.findtext(f"{ATOM}summary") or "",
        }
        for entry in root.iter(f"{ATOM}entry")
    ]


def _hide(post):
    services.post_set_state(post=post, state=PostState.HIDDEN, reason="Spam")


def test_latest_feed_lists_visible_threads_with_their_opening_post(client):
    category = CategoryFactory(name="Analysis")
    make_thread(category=category, title="On the long game", body="The **first** claim.")

    entries = _entries(client.get("/feeds/latest/"))

    assert [e["title"] for e in entries] == ["On the long game"]
    assert "<strong>first</strong>" in entries[0]["summary"]
    assert entries[0]["link"].startswith("http://testserver/t/")


def test_hidden_and_deleted_threads_stay_out_of_every_feed_even_for_a_moderator(client):
    category = CategoryFactory(slug="analysis")
    make_thread(category=category, title="Still here")
    hidden = make_thread(category=category, title="Hidden spam", body="Buy now")
    services.thread_set_state(thread=hidden, state=PostState.HIDDEN)
    client.force_login(ModeratorFactory())

    for url in ("/feeds/latest/", "/feeds/c/analysis/"):
        entries = _entries(client.get(url))
        assert [e["title"] for e in entries] == ["Still here"], url
        assert "Buy now" not in client.get(url).content.decode()

    assert client.get(f"/feeds/t/{hidden.pk}/").status_code == 404


def test_a_thread_whose_opening_post_alone_is_hidden_stays_without_its_text(client):
    category = CategoryFactory(slug="analysis")
    thread = make_thread(category=category, title="A discussion", body="A rude opening.")
    make_reply(thread=thread, body="A reply worth keeping.")
    _hide(thread.opening_post)

    entries = _entries(client.get("/feeds/latest/"))
    replies = client.get(f"/feeds/t/{thread.pk}/").content.decode()

    assert [(e["title"], e["summary"]) for e in entries] == [("A discussion", "")]
    assert "A reply worth keeping." in replies and "A rude opening." not in replies


def test_thread_feed_has_visible_posts_newest_first_and_no_hidden_text(client):
    author = UserFactory(username="writer")
    thread = make_thread(author=author, title="A thread worth reading")
    make_reply(thread=thread, author=author, body="An early reply.")
    hidden = make_reply(thread=thread, body="A rude secret.")
    make_reply(thread=thread, author=author, body="A later reply.")
    _hide(hidden)

    response = client.get(f"/feeds/t/{thread.pk}/")
    entries = _entries(response)

    assert ["later" in e["summary"] for e in entries] == [True, False, False]
    assert "An early reply." in entries[1]["summary"]
    assert "A rude secret." not in response.content.decode()
    assert len(entries) == 3


def test_a_feed_answers_get_and_head_alike_and_refuses_other_methods(client):
    thread = make_thread(title="Methods")

    for url in ("/feeds/latest/", f"/feeds/c/{thread.category.slug}/", f"/feeds/t/{thread.pk}/"):
        assert client.head(url).status_code == client.get(url).status_code == 200, url
        for method in ("post", "put", "delete"):
            assert getattr(client, method)(url).status_code == 405, (url, method)


def test_unknown_feeds_are_not_found(client):
    assert client.get("/feeds/t/999999/").status_code == 404
    assert client.get("/feeds/c/no-such-category/").status_code == 404


@pytest.mark.parametrize("url", ["/feeds/latest/", "/feeds/c/analysis/", "thread"])
def test_a_feed_costs_the_same_queries_for_few_and_many_entries(client, url):
    category = CategoryFactory(slug="analysis")
    thread = make_thread(category=category)
    target = f"/feeds/t/{thread.pk}/" if url == "thread" else url

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(target).status_code == 200
        return len(queries)

    few = count()
    for n in range(12):
        make_thread(category=category, author=UserFactory(), title=f"Another thread {n}")
        make_reply(thread=thread, author=UserFactory())
    assert count() == few
