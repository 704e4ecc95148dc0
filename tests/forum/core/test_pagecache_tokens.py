"""Cached thread pages are served without a query while the thread's token in the shared
cache is unchanged, and every kind of change to a thread (moderation, edits, replies,
moves, merges, splits, deletion) gives it a new token, so no reader is served a page
older than the change. Nothing is served from a process's own memory unless the shared
cache confirms it on that request."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from forum.accounts.services import token_create
from forum.core import pagecache, throttling
from forum.threads import services
from forum.threads.models import PostState
from moderation import actions
from tests.factories import CategoryFactory, ModeratorFactory, UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


def _urls(thread) -> dict[str, str]:
    return {
        "web": thread.get_absolute_url(),
        "posts": f"/api/v1/threads/{thread.pk}/posts/",
        "thread": f"/api/v1/threads/{thread.pk}/",
    }


def _read(client, url) -> tuple[int, str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response.status_code, response.content.decode(), len(queries)


def _cache_every_page(client, thread) -> None:
    """Read each page twice and check that the second read came from the cache."""
    for url in _urls(thread).values():
        status, _, _ = _read(client, url)
        assert status == 200, url
        status, _, queries = _read(client, url)
        assert (status, queries) == (200, 0), url


@pytest.fixture
def moderator(db):
    return ModeratorFactory(username="moderator")


def test_a_cached_read_of_a_thread_costs_no_query_whatever_its_length(client):
    short = make_thread(title="Short")
    long = make_thread(title="Long")
    for n in range(30):
        make_reply(thread=long, body=f"Comment number {n}.")

    for thread in (short, long):
        _cache_every_page(client, thread)
    assert "Comment number 29." in _read(client, _urls(long)["posts"])[1]


def test_hiding_a_reply_takes_it_off_every_cached_page_at_once(
    client, moderator, django_capture_on_commit_callbacks
):
    thread = make_thread()
    reply = make_reply(thread=thread, body="Words a moderator will hide.")
    _cache_every_page(client, thread)

    with django_capture_on_commit_callbacks(execute=True):
        actions.perform("hide", actor=moderator, target=reply, reason="Abuse")

    for name in ("web", "posts"):
        status, body, _ = _read(client, _urls(thread)[name])
        assert status == 200
        assert "Words a moderator will hide." not in body, name


def test_approving_a_held_reply_shows_it_on_the_cached_pages(
    client, moderator, django_capture_on_commit_callbacks
):
    thread = make_thread()
    held = make_reply(thread=thread, body="Held for a moderator.")
    services.post_set_state(post=held, state=PostState.PENDING, reason="Held")
    _cache_every_page(client, thread)
    assert "Held for a moderator." not in _read(client, _urls(thread)["posts"])[1]

    with django_capture_on_commit_callbacks(execute=True):
        actions.perform("approve", actor=moderator, target=held)

    assert "Held for a moderator." in _read(client, _urls(thread)["posts"])[1]
    assert "Held for a moderator." in _read(client, _urls(thread)["web"])[1]


def test_an_edit_and_a_new_reply_replace_the_cached_pages(
    client, django_capture_on_commit_callbacks
):
    author = UserFactory()
    thread = make_thread(author=author, title="First title", body="The first wording.")
    _cache_every_page(client, thread)

    with django_capture_on_commit_callbacks(execute=True):
        services.post_edit(editor=author, post=thread.opening_post, body="The second wording.")
    for name in ("web", "posts"):
        body = _read(client, _urls(thread)[name])[1]
        assert "The second wording." in body and "The first wording." not in body, name

    _cache_every_page(client, thread)
    with django_capture_on_commit_callbacks(execute=True):
        make_reply(thread=thread, body="A reply written after caching.")
    for name in ("web", "posts"):
        assert "A reply written after caching." in _read(client, _urls(thread)[name])[1], name
    assert '"reply_count":1' in _read(client, _urls(thread)["thread"])[1]


def test_a_new_title_moves_the_page_and_the_old_address_redirects(
    client, django_capture_on_commit_callbacks
):
    author = UserFactory()
    thread = make_thread(author=author, title="An old title")
    old = _urls(thread)
    _cache_every_page(client, thread)

    with django_capture_on_commit_callbacks(execute=True):
        services.post_edit(
            editor=author, post=thread.opening_post, body="Opening, again.", title="A new title"
        )

    moved = client.get(old["web"])
    assert (moved.status_code, moved.get("Location")) == (301, f"/t/{thread.pk}/a-new-title/")
    assert '"title":"A new title"' in _read(client, old["thread"])[1]


def test_locking_and_moving_a_thread_show_in_its_cached_api_reads(
    client, moderator, django_capture_on_commit_callbacks
):
    thread = make_thread(category=CategoryFactory(slug="first-place"))
    elsewhere = CategoryFactory(slug="second-place")
    _cache_every_page(client, thread)

    with django_capture_on_commit_callbacks(execute=True):
        actions.perform("lock", actor=moderator, target=thread)
    assert '"is_locked":true' in _read(client, _urls(thread)["thread"])[1]

    with django_capture_on_commit_callbacks(execute=True):
        actions.perform("move", actor=moderator, target=thread, category=elsewhere)
    assert '"category":"second-place"' in _read(client, _urls(thread)["thread"])[1]


def test_a_merged_thread_is_gone_and_its_posts_show_in_the_target(
    client, moderator, django_capture_on_commit_callbacks
):
    source = make_thread(title="Merged away", body="Said in the source thread.")
    target = make_thread(title="Merged into")
    _cache_every_page(client, source)
    _cache_every_page(client, target)

    with django_capture_on_commit_callbacks(execute=True):
        actions.perform("merge", actor=moderator, target=source, reason="Same topic", into=target)

    for name, url in _urls(source).items():
        assert client.get(url).status_code == 404, name
    assert "Said in the source thread." in _read(client, _urls(target)["posts"])[1]


def test_a_split_reply_leaves_its_old_thread(client, moderator, django_capture_on_commit_callbacks):
    thread = make_thread()
    reply = make_reply(thread=thread, body="Off topic, to be split.")
    _cache_every_page(client, thread)

    with django_capture_on_commit_callbacks(execute=True):
        actions.perform("split", actor=moderator, target=reply, reason="Tangent", title="Its own")

    for name in ("web", "posts"):
        assert "Off topic, to be split." not in _read(client, _urls(thread)[name])[1], name


def test_deleting_the_opening_post_makes_every_cached_page_a_404(
    client, django_capture_on_commit_callbacks
):
    author = UserFactory()
    thread = make_thread(author=author)
    _cache_every_page(client, thread)

    with django_capture_on_commit_callbacks(execute=True):
        services.post_delete(actor=author, post=thread.opening_post)

    for name, url in _urls(thread).items():
        assert client.get(url).status_code == 404, name


def test_a_page_built_from_rows_read_before_the_commit_is_not_served_after_it(
    client, moderator, django_capture_on_commit_callbacks
):
    """A reader who rebuilds the page between a change and its commit sees the old rows;
    the second bump, after the commit, keeps what it stored from being served."""
    thread = make_thread()
    reply = make_reply(thread=thread, body="Hidden before the commit.")
    url = thread.get_absolute_url()
    stale = client.get(url)
    assert "Hidden before the commit." in stale.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        actions.perform("hide", actor=moderator, target=reply, reason="Abuse")
        # The concurrent reader: it reads the token now, and stores what it built from
        # the rows as they were before this transaction.
        racing = pagecache.CachedPage(
            _anonymous_request(url), kind="web:thread", depends_on=pagecache.thread_token(thread.pk)
        )
        assert racing.response is None
        racing.store(lambda: stale)

    assert "Hidden before the commit." not in _read(client, url)[1]


class _UnreachableCache:
    """The shared cache while Redis is away: reads miss, writes are dropped."""

    def get(self, key, default=None):
        return default

    def get_many(self, keys):
        return {}

    def add(self, *args, **kwargs):
        return False

    def set(self, *args, **kwargs):
        return None

    def set_many(self, *args, **kwargs):
        return []

    def incr_expiring(self, *args, **kwargs):
        return 0, {}


def test_a_page_in_a_process_memory_is_not_served_while_the_shared_cache_is_away(
    client, moderator, monkeypatch, django_capture_on_commit_callbacks
):
    thread = make_thread()
    reply = make_reply(thread=thread, body="Hidden while Redis is away.")
    _cache_every_page(client, thread)
    unreachable = _UnreachableCache()
    monkeypatch.setattr(pagecache, "cache", unreachable)
    monkeypatch.setattr(throttling, "cache", unreachable)  # it reads pages' tokens ahead

    with django_capture_on_commit_callbacks(execute=True):
        actions.perform("hide", actor=moderator, target=reply, reason="Abuse")

    for name in ("web", "posts"):
        status, body, queries = _read(client, _urls(thread)[name])
        assert status == 200 and queries > 0
        assert "Hidden while Redis is away." not in body, name


def test_an_etag_from_a_cached_read_answers_304_until_the_thread_changes(
    client, django_capture_on_commit_callbacks
):
    thread = make_thread()
    url = _urls(thread)["posts"]
    client.get(url)
    etag = client.get(url)["ETag"]

    with CaptureQueriesContext(connection) as queries:
        unchanged = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert (unchanged.status_code, len(queries), unchanged["ETag"]) == (304, 0, etag)

    with django_capture_on_commit_callbacks(execute=True):
        make_reply(thread=thread, body="News.")
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_a_member_reading_through_the_api_gets_their_own_view(client, member):
    thread = make_thread()
    mine = make_reply(thread=thread, author=member, body="My reply waits.")
    services.post_set_state(post=mine, state=PostState.PENDING, reason="Held")
    _cache_every_page(client, thread)

    api = APIClient()
    _, token = token_create(user=member, name="reader")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api.get(_urls(thread)["posts"])

    assert "My reply waits." in response.content.decode()
    assert "My reply waits." not in _read(client, _urls(thread)["posts"])[1]


def test_the_in_process_store_keeps_to_its_size_and_drops_expired_pages(settings, monkeypatch):
    settings.PAGE_CACHE_LOCAL_BYTES = 4_000
    store = pagecache.LocalStore()
    now = [1_000.0]
    monkeypatch.setattr(pagecache.time, "time", lambda: now[0])

    def entry(size: int) -> pagecache._Entry:
        return pagecache._Entry(token="t", expires_at=now[0] + 60, headers=(), content=b"x" * size)

    store.put("too-big", entry(1_001))  # over a quarter of the budget: never kept
    for name in "abcd":
        store.put(name, entry(1_000))
    assert store.get("a") is not None  # now the most recently used
    store.put("e", entry(1_000))

    assert store.get("too-big") is None
    assert store.get("b") is None  # the least recently used went first
    assert all(store.get(name) is not None for name in "acde")
    now[0] += 61
    assert store.get("a") is None


def test_reading_a_thread_that_does_not_exist_leaves_nothing_in_the_cache(client):
    from django.core.cache import cache

    missing = make_thread().pk + 1_000_000
    for url in (f"/t/{missing}/", f"/api/v1/threads/{missing}/posts/"):
        assert client.get(url).status_code == 404

    assert cache.get(pagecache._token_key(pagecache.thread_token(missing))) is None


@pytest.mark.integration
def test_a_cached_api_read_makes_one_redis_round_trip_with_the_throttle(client):
    """The page's token is read in the same pipeline as the throttle's counter."""
    from django.core.cache import cache

    thread = make_thread()
    url = _urls(thread)["posts"]
    client.get(url)
    client.get(url)  # now in this process's memory too
    redis = cache._cache.get_client(write=True)
    trips = []
    real_command, real_pipeline = redis.execute_command, redis.pipeline

    def command(*args, **kwargs):
        trips.append(args[0])
        return real_command(*args, **kwargs)

    def pipeline(*args, **kwargs):
        pipe = real_pipeline(*args, **kwargs)
        real_execute = pipe.execute
        pipe.execute = lambda *a, **k: trips.append("pipeline") or real_execute(*a, **k)
        return pipe

    redis.execute_command, redis.pipeline = command, pipeline
    try:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
    finally:
        del redis.execute_command, redis.pipeline

    assert (response.status_code, len(queries)) == (200, 0)
    assert trips == ["pipeline"]


def test_made_up_query_parameters_are_rendered_afresh_and_never_stored(client):
    from django.core.cache import cache

    thread = make_thread()
    _cache_every_page(client, thread)
    page = _urls(thread)["web"]

    for url in (f"{page}?utm_source=x", f"{page}?page=1&page=1"):
        for _ in range(2):
            status, body, queries = _read(client, url)
            assert status == 200 and thread.title in body
            assert queries > 0, url  # rendered for this request
    assert _read(client, f"{page}?page=1")[0] == 200
    assert _read(client, f"{page}?page=1")[2] == 0  # a known parameter is cached as before
    token = pagecache.thread_token(thread.pk)
    entry = pagecache._entry_key("web:thread", token, _anonymous_request(page))
    assert cache.get(entry) is not None


def _anonymous_request(url):
    request = RequestFactory().get(url)
    request.user = AnonymousUser()
    return request
