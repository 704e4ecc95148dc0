"""What is new to a member: the read mark a page they are shown moves, the link that
opens a thread at the first post new to them, and the small answer a thread page polls
for to show new replies and the notification count without a reload."""

import hashlib

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from forum.core import pagecache, permissions
from forum.core.errors import ForumError, ValidationFailed
from forum.core.text import whole_number
from forum.notifications import selectors as notification_selectors
from forum.threads import selectors
from forum.threads.unread import selectors as unread_selectors
from forum.threads.unread import services as unread_services
from forum.web.views.pages import ReaderFacts, post_location, thread_or_404


def read_page(
    request: HttpRequest, thread, posts, *, reader: ReaderFacts | None = None
) -> int | None:
    """Move the reader's mark over the posts `posts` (PostViews in reading order) of
    `thread` they are being shown, and answer the post before which the "new since your
    last visit" marker goes (None: nowhere). With the `reader`'s facts read with the
    thread, their mark is known: at most one query (none for a page with nothing new on
    it) and one write for a member; nothing for an anonymous reader."""
    reading = unread_selectors.page_reading(
        user=request.user,
        thread=thread,
        shown=posts,
        mark=reader.read_mark if reader is not None else unread_selectors.UNKNOWN,
    )
    if reading.read_up_to is not None:
        unread_services.thread_read_mark(
            user=request.user, thread=thread, position=reading.read_up_to
        )
    return reading.marker_before


def with_read_states(user, threads) -> list:
    """`threads` (a page of a list), each with `read_state`: what is new in it to `user`
    (None for an anonymous reader). One query for the page."""
    threads = list(threads)
    states = unread_selectors.read_states(user=user, threads=threads)
    for thread in threads:
        thread.read_state = states.get(thread.pk)
    return threads


@require_safe
def thread_unread(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    """Open the thread at the first post new to the reader, where the page shows the
    "new since your last visit" marker; at its start when nothing is new, when they never
    opened it, or for an anonymous reader."""
    thread = thread_or_404(request, pk)
    first = None
    if request.user.is_authenticated:
        first = unread_selectors.first_unread_post(user=request.user, thread=thread)
    if first is None:
        return redirect(thread.get_absolute_url())
    return redirect(post_location(first, anchor="unread"))


@require_safe
def thread_updates(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    """`{"new_posts": n, "notifications_unread": m}`: how many posts new to the member
    were written in the thread after position `after` (the thread's last position when
    their page was served), and their count of unread notifications. A thread page asks
    every LIVE_UPDATE_SECONDS while it is the visible tab, with the ETag of the last
    answer: while neither the thread (its version) nor the member's unread count changed,
    the answer is a 304 without counting posts. A thread the reader may not see is a 404,
    as it is everywhere."""
    user = request.user
    try:
        thread = selectors.thread_get(user=user, pk=pk)
        permissions.check_can_track_reading(user, thread)
        after = _position(request.GET.get("after", ""))
    except ForumError as exc:
        response = JsonResponse(exc.as_body(), status=exc.status)
        patch_cache_control(response, private=True, no_store=True)
        return response
    notifications = notification_selectors.unread_count(user=user)
    state = f"{thread.pk}:{thread.version}:{permissions.viewer_key(user)}:{after}:{notifications}"
    etag = f'"{hashlib.blake2b(state.encode(), digest_size=12).hexdigest()}"'
    if pagecache.etag_matches(request, etag):
        response = HttpResponse(status=304)
    else:
        new_posts = unread_selectors.new_posts_count(user=user, thread=thread, after_position=after)
        response = JsonResponse({"new_posts": new_posts, "notifications_unread": notifications})
    response["ETag"] = etag
    # Revalidated on every poll, and never kept by a shared cache: it is the member's own.
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _position(raw: str) -> int:
    position = whole_number(raw, max_digits=10)
    if position is None:
        raise ValidationFailed.for_field(
            "after", "A post's position in the thread (a whole number) is needed."
        )
    return position


def live_updates(request: HttpRequest, thread) -> dict | None:
    """What a thread page needs to follow the thread live for a member: where to ask,
    how often, from which position, and where "show" leads. None for anonymous readers,
    whose page is the same for all of them and cached."""
    if not request.user.is_authenticated:
        return None
    kwargs = {"pk": thread.pk, "slug": thread.slug}
    return {
        "url": reverse("web:thread-updates", kwargs=kwargs),
        "show_url": reverse("web:thread-unread", kwargs=kwargs),
        "after": thread.last_position,
        "seconds": settings.PARLEY["LIVE_UPDATE_SECONDS"],
    }
