"""Whole responses cached for anonymous readers, who are most of a forum's reads.

A cached response is keyed by what it shows: a thread page by the thread's `version`
(which every change to the thread bumps), a list of threads by a generation number that
every change to any thread bumps once its transaction commits. Entries also expire
after `PAGE_CACHE_SECONDS`, which bounds how long anything else on a page (a member's
new display name, "3 minutes ago") can lag.

Only requests that carry nothing personal are served from or stored in the cache: no
signed-in user, no session or messages cookie, and a response that did not use a CSRF
token or set a cookie. Everyone else gets a page rendered for them, as before.
"""

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from rest_framework.renderers import JSONRenderer

from forum.core.cache import count as cache_count

PAGE_CACHE_SECONDS = 60
_THREAD_LISTS = "pagecache:thread-lists"
# Headers the view itself sets that belong to the page; middleware adds the rest (CSP,
# Vary, security headers) again on the way out of a cached response.
_KEPT_HEADERS = ("Content-Type", "ETag", "Last-Modified", "Cache-Control", "Content-Language")


def is_anonymous_read(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
    )


def thread_lists_generation() -> int:
    """The current generation of thread lists (0 while the cache is unreachable)."""
    return cache.get(_THREAD_LISTS, 0)


def thread_lists_changed() -> None:
    """Start a new generation of thread lists. Call after the change has committed."""
    cache_count(_THREAD_LISTS, timeout=None)


def cached_for_anonymous(
    request: HttpRequest, key: tuple, build: Callable[[], HttpResponse]
) -> HttpResponse:
    """The response `build` makes, served from the cache for anonymous reads of the
    same `key` and address."""
    if not is_anonymous_read(request):
        return build()
    cache_key = _cache_key("page", request, key)
    stored = cache.get(cache_key)
    if stored is not None:
        status, headers, content = stored
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        return response
    response = build()
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    if (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    ):
        headers = [(name, response[name]) for name in _KEPT_HEADERS if response.has_header(name)]
        cache.set(cache_key, (200, headers, response.content), PAGE_CACHE_SECONDS)
    return response


def cached_data_for_anonymous(request, key: tuple, build: Callable[[], object]) -> object:
    """What `build` returns (data for an API response, before rendering), cached for
    anonymous reads of the same `key`. The key must name everything the data depends on
    besides the request's address."""
    if not is_anonymous_read(request):
        return build()
    cache_key = _cache_key("data", request, key)
    data = cache.get(cache_key)
    if data is None:
        data = build()
        cache.set(cache_key, data, PAGE_CACHE_SECONDS)
    return data


def _cache_key(kind: str, request, key: tuple) -> str:
    address = (request.get_host(), request.is_secure(), request.get_full_path())
    digest = hashlib.blake2b(
        repr((settings.PAGE_CACHE_RELEASE, key, address)).encode(), digest_size=20
    ).hexdigest()
    return f"pagecache:{kind}:{digest}"


def json_response(request, key: tuple, build: Callable[[], object]) -> HttpResponse:
    """A JSON response of the data `build` returns, rendered once and its bytes cached for
    anonymous reads of the same `key` (see `cached_data_for_anonymous`)."""
    body = cached_data_for_anonymous(request, key, lambda: JSONRenderer().render(build()))
    return HttpResponse(body, content_type="application/json")
