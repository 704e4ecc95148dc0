"""forum.threads.search itself: filters, and snippets cut from what a post shows (never
its Markdown or quote markup), on PostgreSQL and on the SQLite fallback's code path."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from forum.threads import search
from forum.threads.models import Post, PostState
from forum.threads.services import post_set_state, thread_set_state
from tests.factories import CategoryFactory, UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db

MARKED_UP = (
    '[quote="x, post:1"]\nSomething quoted about the heron.\n[/quote]\n\n'
    "## A heading\n\nThe **heron** waits by the [river](https://example.org/river) "
    "with `code` and _emphasis_ & more."
)


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.postgresql), "fallback"])
def backend(request, monkeypatch):
    """Each test runs on PostgreSQL's full-text search and on the fallback a SQLite
    database takes (substring matches), which runs here on the same data. Without
    PostgreSQL the first is listed under FALLBACKS rather than run as a second fallback."""
    if request.param == "fallback":
        monkeypatch.setattr(search, "connection", SimpleNamespace(vendor="sqlite"))
    return request.param


def _ids(hits) -> list[int]:
    return [hit["post_id"] for hit in hits]


def _found(user, text, **filters) -> list[int]:
    hits, _more = search.search_posts(user=user, text=text, filters=search.SearchFilters(**filters))
    return _ids(hits)


def test_snippets_show_the_rendered_words_never_markdown_or_quote_markup(backend, member):
    thread = make_thread(author=member, title="Birds")
    reply = make_reply(thread=thread, author=member, body=MARKED_UP)

    (hit,) = [
        h for h in search.search_posts(user=member, text="heron")[0] if not h["is_opening_post"]
    ]

    assert hit["post_id"] == reply.pk
    snippet = hit["snippet_html"]
    assert "<mark>heron</mark>" in snippet.lower()
    for markup in ("**", "[quote", "post:1", "[/quote]", "](", "https://example.org", "##", "`"):
        assert markup not in snippet, (markup, snippet)
    assert "&amp;" in snippet  # the text's own "&", escaped exactly once
    assert "&amp;amp;" not in snippet
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_filters_narrow_by_category_author_dates_and_threads_only(backend, member, other_member):
    birds, fish = CategoryFactory(slug="birds"), CategoryFactory(slug="fish")
    in_birds = make_thread(author=member, category=birds, title="Kestrel sightings")
    by_other = make_reply(thread=in_birds, author=other_member, body="A kestrel again.")
    in_fish = make_thread(author=member, category=fish, title="Kestrel food", body="kestrel")
    old = make_reply(thread=in_fish, author=member, body="An old kestrel note.")
    Post.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    week_ago = timezone.now() - dt.timedelta(days=7)

    assert set(_found(member, "kestrel", category="birds")) == {
        in_birds.opening_post_id,
        by_other.pk,
    }
    assert _found(member, "kestrel", author=other_member.username) == [by_other.pk]
    assert _found(member, "kestrel", created_before=week_ago) == [old.pk]
    assert old.pk not in _found(member, "kestrel", created_after=week_ago)
    assert set(_found(member, "kestrel", type=search.THREADS)) == {
        in_birds.opening_post_id,
        in_fish.opening_post_id,
    }
    assert _found(member, "kestrel", category="nowhere") == []
    assert _found(member, "kestrel", author="nobody") == []


def test_hidden_content_never_shows_in_hits_titles_or_snippets(backend, member, other_member):
    thread = make_thread(author=member, title="Open thread")
    plain = make_reply(thread=thread, author=member, body="Puffin in plain sight.")
    hidden = make_reply(thread=thread, author=member, body="Puffin and a secret grudge.")
    post_set_state(post=hidden, state=PostState.HIDDEN)
    secret = make_thread(author=member, title="Puffin conspiracy", body="Puffin plans.")
    thread_set_state(thread=secret, state=PostState.HIDDEN)

    for viewer in (other_member, UserFactory()):
        hits, _ = search.search_posts(user=viewer, text="puffin")
        shown = " ".join(h["snippet_html"] + h["title_html"] + h["thread_title"] for h in hits)
        assert _ids(hits) == [plain.pk]
        assert "grudge" not in shown and "conspiracy" not in shown.lower()
        assert "plans" not in shown


def test_the_fallback_orders_newest_first_and_marks_title_words(monkeypatch, member):
    monkeypatch.setattr(search, "connection", SimpleNamespace(vendor="sqlite"))
    thread = make_thread(author=member, title="Gannet colony", body="Opening words.")
    first = make_reply(thread=thread, author=member, body="A gannet dives.")
    second = make_reply(thread=thread, author=member, body="Another gannet, later.")

    hits, more = search.search_posts(user=member, text="gannet")

    assert _ids(hits) == [second.pk, first.pk, thread.opening_post_id] and not more
    assert hits[-1]["title_html"] == "<mark>Gannet</mark> colony"
    assert hits[0]["snippet_html"] == "Another <mark>gannet</mark>, later."


def test_a_search_is_named_by_its_words_and_every_filter():
    plain = search.SearchFilters()
    names = {
        plain.digest("owl"),
        plain.digest("owls"),
        search.SearchFilters(category="birds").digest("owl"),
        search.SearchFilters(author="ann").digest("owl"),
        search.SearchFilters(created_after=timezone.now()).digest("owl"),
        search.SearchFilters(created_before=timezone.now()).digest("owl"),
        search.SearchFilters(type=search.THREADS).digest("owl"),
    }
    assert len(names) == 7
    assert search.SearchFilters().digest("owl") == plain.digest("owl")
