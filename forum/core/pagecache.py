"""Whole responses cached for anonymous readers, who are most of a forum's reads.

Each cached page depends on one *token*: a random value kept in the shared cache (Redis)
under a name, `thread:<id>` for a thread's pages and `lists` for every list of threads.
Any change to a thread gives its token and the lists' token new values (`threads_changed`),
so every page cached under the old values stops matching at once. A read that finds the
page stored under the current token is served without a database query; one that does
not builds the page and stores it under the token it read *before* reading the database,
so a page built from rows a concurrent change was replacing is never stored under the
new token.

Stored pages live in Redis (shared by every process) and, for the pages a process serves
most, in a small in-process LRU (`PAGE_CACHE_LOCAL_BYTES`), so a hit costs one small
`GET` of the token rather than fetching a body of 150 KB (on the API, not even that: the
throttle reads the token in its own round trip, see `CachedForAnonymousMixin`). A page is
only served while the token read from Redis on *this* request matches: when Redis is
unreachable the token reads as missing and nothing is served from either store. Entries
also expire after `PAGE_CACHE_SECONDS`, which bounds how long anything else on a page (a
member's new display name, "3 minutes ago") can lag, and how long a page can outlive a
change whose bump after commit was lost to a Redis failure at that very moment.

Only requests that carry nothing personal are served from or stored in the cache: no
session or messages cookie, no signed-in user, and a response that did not use a CSRF
token or set a cookie. Everyone else gets a page rendered for them, as before.
"""

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse

PAGE_CACHE_SECONDS = 60
# A token outlives the pages stored under it; once it expires, a fresh random one replaces
# it and the pages stored under the old one simply stop matching.
TOKEN_SECONDS = 24 * 3600
LISTS = "lists"
# Headers the view itself sets that belong to the page; middleware adds the rest (CSP,
# security headers, its own Vary) again on the way out of a cached response.
_KEPT_HEADERS = (
    "Content-Type",
    "ETag",
    "Last-Modified",
    "Cache-Control",
    "Content-Language",
    "Vary",
)


def thread_token(thread_id: int) -> str:
    """The name of the token every cached page of this thread depends on."""
    return f"thread:{thread_id}"


def is_anonymous_read(request: HttpRequest) -> bool:
    # Cookies first: they cost nothing, while `request.user` may cost a session lookup.
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
        and not request.user.is_authenticated
    )


# --- tokens ---------------------------------------------------------------------------


def _token_key(name: str) -> str:
    # The release is hashed: it is free text, and cache keys must not hold spaces.
    release = hashlib.blake2b(settings.PAGE_CACHE_RELEASE.encode(), digest_size=8).hexdigest()
    return f"pagecache:token:{release}:{name}"


def _new_token() -> str:
    return secrets.token_hex(8)


def _bump(names: tuple[str, ...]) -> None:
    cache.set_many({_token_key(name): _new_token() for name in names}, TOKEN_SECONDS)


def tokens_changed(*names: str) -> None:
    """Give these tokens new values now and again once the current transaction commits.

    The bump after commit is the one that keeps pages fresh: a reader who rebuilt a page
    between the change and the commit saw the old rows, and stored them under the token
    of the first bump. The first bump makes the change visible at once to the rest of
    its own transaction (and to code that never commits, such as a test's)."""
    _bump(names)
    transaction.on_commit(lambda: _bump(names), robust=True)


def threads_changed(*thread_ids: int) -> None:
    """Every cached page of these threads, and every cached list of threads, is stale.
    Call it inside the transaction that changes them."""
    tokens_changed(LISTS, *(thread_token(pk) for pk in thread_ids))


# --- stored pages ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    token: str
    expires_at: float
    headers: tuple[tuple[str, str], ...]
    content: bytes

    def response_for(self, request: HttpRequest) -> HttpResponse:
        etag = dict(self.headers).get("ETag")
        if etag is not None and etag_matches(request, etag):
            response = HttpResponse(status=304)
            for name, value in self.headers:
                if name in ("ETag", "Cache-Control", "Vary"):
                    response[name] = value
            return response
        response = HttpResponse(self.content)
        for name, value in self.headers:
            response[name] = value
        return response


class LocalStore:
    """The entries this process used most recently, up to `max_bytes` of them as
    `size_of` measures them (a page's body by default); an entry over a quarter of the
    budget is never kept. Every entry has an `expires_at`. For pages, every use is also
    checked against the token read from the shared cache on that request."""

    def __init__(self, size_of: Callable = lambda entry: len(entry.content)) -> None:
        self._entries: OrderedDict = OrderedDict()
        self._size_of = size_of
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.expires_at <= time.time():
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry) -> None:
        limit = settings.PAGE_CACHE_LOCAL_BYTES
        if self._size_of(entry) > limit // 4:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = entry
            self._bytes += self._size_of(entry)
            while self._bytes > limit:
                self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _drop(self, key: str) -> None:
        self._bytes -= self._size_of(self._entries.pop(key))


local_pages = LocalStore()


# The query parameters that shape a cached page. A request carrying any other, or one of
# these twice, gets a page rendered for it alone and not stored: otherwise made-up query
# strings (?x=1, ?x=2, ...) could each store another copy of a 150 KB page.
PAGE_PARAMETERS = frozenset(
    {
        "page", "after", "cursor", "page_size", "order",
        "category", "author", "state", "created_after", "created_before",
    }
)  # fmt: skip


def _plain_query(request: HttpRequest) -> bool:
    return all(
        name in PAGE_PARAMETERS and len(request.GET.getlist(name)) == 1 for name in request.GET
    )


def _entry_key(kind: str, depends_on: str, request: HttpRequest) -> str:
    address = (request.get_host(), request.is_secure(), request.get_full_path())
    digest = hashlib.blake2b(
        repr((settings.PAGE_CACHE_RELEASE, kind, depends_on, address)).encode(), digest_size=20
    ).hexdigest()
    return f"pagecache:page:{digest}"


class CachedPage:
    """One page as an anonymous reader at this address gets it, depending on the token
    `depends_on`. After construction, `response` is the stored page (or a 304 for an
    `If-None-Match` naming its `ETag`) when there is a current one, else None; then
    `store(build)` builds the page and stores it for the next reader.

    Construct it before reading anything from the database for the page. With
    `read_ahead`, the Redis read waits for `lookup()`, and the keys it needs are left on
    the request (`cache_read_ahead`) for the API throttle to read in its round trip."""

    def __init__(
        self, request: HttpRequest, *, kind: str, depends_on: str, read_ahead: bool = False
    ) -> None:
        self.request = request
        self.response: HttpResponse | None = None
        self._key: str | None = None
        self._token_name = depends_on
        self._token: str | None = None
        if not is_anonymous_read(request) or not _plain_query(request):
            return
        self._key = _entry_key(kind, depends_on, request)
        self._local = local_pages.get(self._key)
        token_key = _token_key(depends_on)
        self._wanted = (token_key,) if self._local is not None else (token_key, self._key)
        if read_ahead:
            request.cache_read_ahead = self._wanted
        else:
            self.lookup()

    def lookup(self) -> HttpResponse | None:
        """The stored page (see the class), reading what was read ahead when it was."""
        if self._key is None:
            return None
        fetched = getattr(self.request, "cache_read", None)
        if fetched is None:
            fetched = cache.get_many(self._wanted)
        found = fetched.get(self._wanted[0])
        entry = self._local
        if entry is None:
            entry = fetched.get(self._key)
            if entry is not None and entry.token == found and entry.expires_at > time.time():
                local_pages.put(self._key, entry)
        self._token = found
        if found is not None and entry is not None and entry.token == found:
            self.response = entry.response_for(self.request)
        return self.response

    def store(self, build: Callable[[], HttpResponse]) -> HttpResponse:
        """The response `build` makes, stored for anonymous readers when it is a plain 200
        that carries nothing personal."""
        response = build()
        if (
            self._key is None
            or response.status_code != 200
            or not getattr(response, "page_cache_keep", True)
        ):
            return response
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        if (
            not response.streaming
            and not response.cookies
            and not self.request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and self._start_token()
        ):
            entry = _Entry(
                token=self._token,
                expires_at=time.time() + PAGE_CACHE_SECONDS,
                headers=tuple(
                    (name, response[name]) for name in _KEPT_HEADERS if response.has_header(name)
                ),
                content=response.content,
            )
            cache.set(self._key, entry, PAGE_CACHE_SECONDS)
            local_pages.put(self._key, entry)
        return response

    def _start_token(self) -> bool:
        """Whether there is a token to store the page under. A token found missing at
        lookup is made now, once the page has been built (so addresses that name no
        readable thread leave nothing behind); if another process made or bumped it
        meanwhile, the page may predate that change and is not stored. An unreachable
        cache also answers False here."""
        if self._token is not None:
            return True
        fresh = _new_token()
        if cache.add(_token_key(self._token_name), fresh, TOKEN_SECONDS):
            self._token = fresh
            return True
        return False


def not_to_keep(response: HttpResponse) -> HttpResponse:
    """`response`, answered but never stored: the page was asked for at an address that
    is not its own (a parameter that names nothing, read as its default, or a page past
    the last), and storing one copy for each such address would let anyone fill the
    cache with copies of a page."""
    response.page_cache_keep = False
    return response


def cached_for_anonymous(
    request: HttpRequest, *, kind: str, depends_on: str, build: Callable[[], HttpResponse]
) -> HttpResponse:
    """The response `build` makes, served from the cache for anonymous reads of the same
    page while the token `depends_on` keeps its value."""
    page = CachedPage(request, kind=kind, depends_on=depends_on)
    if page.response is not None:
        return page.response
    return page.store(build)


class CachedForAnonymousMixin:
    """For DRF views whose GET is cached for anonymous readers: the page lookup is set up
    before the throttle runs, so that its Redis read rides in the throttle's round trip.
    The view's `get` calls `self.cached_page.lookup()` before reading the database."""

    page_cache_kind = ""

    def page_cache_depends_on(self, **kwargs) -> str:
        raise NotImplementedError

    def initial(self, request, *args, **kwargs):
        self.cached_page = CachedPage(
            request,
            kind=self.page_cache_kind,
            depends_on=self.page_cache_depends_on(**kwargs),
            read_ahead=True,
        )
        super().initial(request, *args, **kwargs)


def etag_matches(request: HttpRequest, etag: str) -> bool:
    """Whether the request's `If-None-Match` names `etag` (or is `*`)."""
    sent = request.headers.get("If-None-Match", "")
    return etag in {tag.strip().removeprefix("W/") for tag in sent.split(",")} or sent == "*"
