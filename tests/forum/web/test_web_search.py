"""The search page behind the header's box: works without JavaScript, shows each hit
with its thread, author, date and a marked snippet, filters, and pages by cursor."""

import pytest

from forum.threads.models import PostState
from forum.threads.services import post_set_state
from tests.factories import CategoryFactory, UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


def test_every_page_has_a_labelled_search_box_that_is_a_plain_get_form(client, category):
    page = client.get("/").text

    assert '<form class="site-search" method="get" action="/search/" role="search">' in page
    assert '<label for="site-search-q" class="visually-hidden">Search the forum</label>' in page
    assert 'id="site-search-q" type="search" name="q"' in page


def test_hits_link_to_the_post_with_thread_author_date_and_a_clean_snippet(client, category):
    author = UserFactory(username="ornith", display_name="Ann Ornith", trust_level=2)
    thread = make_thread(author=author, category=category, title="Swift migration")
    reply = make_reply(
        thread=thread,
        author=author,
        body='[quote="x, post:1"]\nquoted\n[/quote]\n\nThe **swift** returns in _May_.',
    )

    response = client.get("/search/", {"q": "swift"})

    assert response.status_code == 200
    page = response.text
    assert f'href="/p/{reply.pk}/"' in page and f'href="/p/{thread.opening_post_id}/"' in page
    assert "<mark>Swift</mark> migration" in page
    assert "Ann Ornith (@ornith)" in page
    assert f'datetime="{reply.created_at.isoformat()[:19]}' in page
    hit = page[page.index(f'href="/p/{reply.pk}/"') :]
    snippet = hit[hit.index('<p class="snippet">') : hit.index("</p>", hit.index("snippet"))]
    assert "<mark>swift</mark>" in snippet.lower()
    assert "**" not in snippet and "[quote" not in snippet and "_May_" not in snippet
    # The box in the header keeps the words searched.
    assert 'name="q" maxlength="200" placeholder="Search" value="swift"' in page


def test_filters_and_hidden_posts(client, member, other_member, category):
    elsewhere = CategoryFactory(slug="elsewhere", name="Elsewhere")
    here = make_thread(author=member, category=category, title="Wren notes", body="wren")
    there = make_thread(author=other_member, category=elsewhere, title="Wren too", body="wren")
    hidden = make_reply(thread=here, author=member, body="wren and a secret")
    post_set_state(post=hidden, state=PostState.HIDDEN)

    def found(**params) -> set[str]:
        page = client.get("/search/", {"q": "wren", **params}).text
        return {
            str(pk)
            for pk in (here.opening_post_id, there.opening_post_id, hidden.pk)
            if f'href="/p/{pk}/"' in page
        }

    assert found() == {str(here.opening_post_id), str(there.opening_post_id)}
    assert found(category="elsewhere") == {str(there.opening_post_id)}
    assert found(author="@other") == {str(there.opening_post_id)}
    assert found(type="threads", created_after="2000-01-01", created_before="2999-12-31") == {
        str(here.opening_post_id),
        str(there.opening_post_id),
    }
    assert found(created_before="2000-01-01") == set()
    assert "secret" not in client.get("/search/", {"q": "secret"}).text.split("</form>", 2)[2]
    client.force_login(member)
    assert str(hidden.pk) in found()


def test_bad_input_is_a_400_with_the_form_never_a_500(client, category):
    assert client.get("/search/").status_code == 200  # the form alone
    for params in (
        {"q": ""},
        {"q": "x" * 201},
        {"q": "wren", "created_after": "someday"},
        {"q": "wren", "created_after": "2024-02-01", "created_before": "2024-01-01"},
        {"q": "wren", "type": "everything"},
        {"q": "wren", "category": "nowhere"},
        {"q": "wren", "cursor": "nonsense"},
        {"q": "wren", "created_before": "9999-12-31"},
    ):
        response = client.get("/search/", params)
        expected = 200 if params.get("created_before") == "9999-12-31" else 400
        assert response.status_code == expected, params


def test_results_page_with_the_apis_cursors(client, member, category):
    thread = make_thread(author=member, category=category, title="Many")
    for n in range(23):
        make_reply(thread=thread, author=member, body=f"ptarmigan {n}")

    first = client.get("/search/", {"q": "ptarmigan"})
    next_url = first.context["next_url"]
    second = client.get("/search/" + next_url)

    assert len(first.context["hits"]) == 20 and first.context["previous_url"] == ""
    assert len(second.context["hits"]) == 3 and second.context["next_url"] == ""
    shown = {h["post_id"] for h in first.context["hits"] + second.context["hits"]}
    assert len(shown) == 23
    assert 'rel="next">More results</a>' in first.text
    assert 'rel="prev">Previous results</a>' in second.text
    # The cursor is the search's: with other words it is refused.
    cursor = next_url.split("cursor=")[1]
    assert client.get("/search/", {"q": "grouse", "cursor": cursor}).status_code == 400
