"""Anonymous readers are served cached pages that never outlive a change to what they
show; anyone with something personal on the page gets it rendered for them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum.core import pagecache
from forum.threads import services
from forum.threads.models import PostState
from tests.factories import CategoryFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_an_anonymous_thread_page_is_rendered_once_per_thread_version(client):
    thread = make_thread(title="Cached reading", body="The opening argument.")
    make_reply(thread=thread, body="A first reply.")
    url = thread.get_absolute_url()

    first, first_queries = _get(client, url)
    again, again_queries = _get(client, url)

    assert again == first
    assert "A first reply." in again
    assert again_queries < first_queries
    assert again_queries <= 1  # only the thread's own row, for its version


def test_hiding_a_post_changes_the_version_so_its_text_leaves_the_cached_page(client):
    thread = make_thread()
    secret = make_reply(thread=thread, body="Words a moderator will hide.")
    url = thread.get_absolute_url()
    assert "Words a moderator will hide." in _get(client, url)[0]

    services.post_set_state(post=secret, state=PostState.HIDDEN, reason="Abuse")

    assert "Words a moderator will hide." not in _get(client, url)[0]


def test_lists_follow_every_change_to_any_thread(client, django_capture_on_commit_callbacks):
    category = CategoryFactory(slug="essays")
    with django_capture_on_commit_callbacks(execute=True):
        thread = make_thread(category=category, title="Visible for now")
    for url in ("/", "/c/essays/"):
        assert "Visible for now" in _get(client, url)[0]

    with django_capture_on_commit_callbacks(execute=True):
        services.thread_set_state(thread=thread, state=PostState.HIDDEN)

    for url in ("/", "/c/essays/"):
        assert "Visible for now" not in _get(client, url)[0], url


def test_members_get_their_own_pages_never_the_cached_one(client, member):
    thread = make_thread(title="Members see more")
    mine = make_reply(thread=thread, author=member, body="My reply waits.")
    services.post_set_state(post=mine, state=PostState.PENDING, reason="Held")
    url = thread.get_absolute_url()
    assert "My reply waits." not in _get(client, url)[0]

    client.force_login(member)
    assert "My reply waits." in _get(client, url)[0]
    client.logout()

    assert "My reply waits." not in _get(client, url)[0]


def test_a_visitor_with_a_session_is_not_served_from_the_cache(client):
    thread = make_thread()
    url = thread.get_absolute_url()
    _get(client, url)
    client.cookies["sessionid"] = "anything"

    _, queries = _get(client, url)

    assert queries > 1


def test_anonymous_api_reads_are_cached_per_thread_version_and_list_generation(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        thread = make_thread(title="Read through the API")
        reply = make_reply(thread=thread, body="An answer worth caching.")
    posts_url = f"/api/v1/threads/{thread.pk}/posts/"

    first, first_queries = _get(client, posts_url)
    again, again_queries = _get(client, posts_url)
    assert again == first
    assert "An answer worth caching." in again
    assert again_queries < first_queries
    assert "Read through the API" in _get(client, "/api/v1/threads/")[0]

    with django_capture_on_commit_callbacks(execute=True):
        services.post_set_state(post=reply, state=PostState.HIDDEN, reason="Abuse")
    assert "An answer worth caching." not in _get(client, posts_url)[0]

    with django_capture_on_commit_callbacks(execute=True):
        services.thread_set_state(thread=thread, state=PostState.HIDDEN)
    assert client.get(posts_url).status_code == 404
    assert "Read through the API" not in _get(client, "/api/v1/threads/")[0]


@pytest.mark.parametrize(
    "address",
    [
        "{thread}?after=made-up",
        "{thread}?after=%00",
        "/?page=abc",
        "/?page=01",
        "/?page=999",
        "/c/{category}/?page=x",
    ],
)
def test_a_page_asked_for_at_an_address_not_its_own_is_answered_but_never_kept(
    client, monkeypatch, address
):
    """A parameter that names nothing reads as its default (and a page past the last is
    empty): one stored copy per such address would let anyone fill the cache."""
    stored = []
    monkeypatch.setattr(pagecache.local_pages, "put", lambda key, entry: stored.append(key))
    thread = make_thread(title="Kept once", body="The opening argument.")
    url = address.format(thread=thread.get_absolute_url(), category=thread.category.slug)

    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    assert stored == []
    # The page's own address is kept as ever.
    assert client.get(url.split("?")[0]).status_code == 200
    assert len(stored) == 1
