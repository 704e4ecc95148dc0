"""What every page view shares: how a refusal is shown, how a form page keeps its
status, finding a thread the reader may see, and where a post is shown."""

import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import (
    quote_etag,
    url_has_allowed_host_and_scheme,
    urlencode,
)

from forum.core.errors import (
    ForumError,
    NotAuthenticated,
    NotFound,
)
from forum.notifications import selectors as notification_selectors
from forum.notifications.models import WatchLevel
from forum.threads import selectors
from forum.threads.drafts import selectors as draft_selectors
from forum.threads.models import Post
from forum.threads.unread import selectors as unread_selectors


def refused(request: HttpRequest, exc: ForumError) -> HttpResponse:
    """A page saying why a request was refused, with the error's status. Something the
    reader may not see is answered as any missing page is, so that the answer is the
    same whether it is hidden or was never there."""
    if isinstance(exc, NotAuthenticated):
        return redirect_to_login(request.get_full_path())
    if isinstance(exc, NotFound):
        raise Http404(exc.message) from exc
    return render(request, "web/refused.html", {"message": exc.message}, status=exc.status)


def form_page(request: HttpRequest, template: str, context: dict, *, form, status: int):
    """Render a page holding `form`. A refusal for posting too fast keeps its 429 and
    says when to try again, as the API does."""
    response = render(request, template, context, status=status)
    retry_after = getattr(form, "retry_after", None)
    if status == 429 and retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def private_page(view):
    """For a page a signed-in member gets rendered for them: shared caches must not keep
    it (`Cache-Control: private`), and the browser revalidates it by the ETag of its
    content, so an unchanged page is a 304 without its body. (Anonymous pages are the
    page cache's: forum.core.pagecache.)"""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if (
            request.method not in ("GET", "HEAD")
            or response.status_code != 200
            or response.streaming
            or not request.user.is_authenticated
        ):
            return response
        response["ETag"] = _content_etag(request, response.content)
        patch_cache_control(response, private=True, no_cache=True)
        patch_vary_headers(response, ("Cookie",))
        return get_conditional_response(request, etag=response["ETag"], response=response)

    return wrapped


_MASKED_CSRF_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


def _content_etag(request: HttpRequest, content: bytes) -> str:
    """A validator for a member's page: its content, where each form's CSRF token (masked
    afresh on every response) counts as the secret behind it, so an unchanged page keeps
    its ETag and a page whose forms would be refused does not."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(_MASKED_CSRF_TOKEN.sub(b"", content))
    digest.update(request.META.get("CSRF_COOKIE", "").encode())
    return quote_etag(digest.hexdigest())


POSTS_SHOWN_BEFORE_TARGET = 3


def post_location(post: Post, *, anchor: str = "") -> str:
    """The URL of the page that shows `post`, at its anchor (or at `anchor`, another
    place on that page): the thread page, or for a
    reply deeper than it goes, the branch page its "continue" links lead to. A post
    beyond a first page gets a page starting a few posts before it, so it is on the page
    whatever the thread's length. (Two indexed queries on (thread, path), one more for a
    deep reply.)"""
    if post.depth > selectors.BRANCH_DEPTH:
        root = selectors.branch_root(post=post)
        url = reverse("web:post-branch", kwargs={"pk": root.pk})
        earlier = selectors.branch_earlier_posts(post=root, target=post)
    else:
        url = post.thread.get_absolute_url()
        earlier = Post.objects.filter(
            thread_id=post.thread_id, path__lt=post.path, depth__lte=selectors.BRANCH_DEPTH
        )
    # A page keeps at least its first half (see page_keeping_branches), so a post among
    # the first half of the posts stays on the first page; any later one gets a page of
    # its own starting just before it.
    if earlier.order_by("path")[selectors.POSTS_PAGE_SIZE // 2 - 1 :].exists():
        paths = list(
            earlier.order_by("-path").values_list("path", flat=True)[
                : POSTS_SHOWN_BEFORE_TARGET + 1
            ]
        )
        url += f"?{urlencode({'after': paths[-1]})}"
    return f"{url}#{anchor or f'post-{post.pk}'}"


def thread_or_404(request: HttpRequest, pk: int, *, with_facts=None):
    try:
        return selectors.thread_get(user=request.user, pk=pk, with_facts=with_facts)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@dataclass(frozen=True)
class ReaderFacts:
    """A member's own facts about the thread they open, read with the thread: their read
    mark (None: they never opened it), whether they keep a draft of a reply in it, and
    their watch level."""

    read_mark: int | None
    has_draft: bool
    watch_level: str


def thread_for_reader(request: HttpRequest, pk: int):
    """`thread_or_404`, with `thread.reader`: the ReaderFacts of a member (None for a
    visitor), read in the thread's own query instead of one query each."""
    user = request.user
    if not user.is_authenticated:
        thread = thread_or_404(request, pk)
        thread.reader = None
        return thread
    thread = thread_or_404(
        request,
        pk,
        with_facts={
            "reader_mark": unread_selectors.read_mark_of(user),
            "reader_draft_id": draft_selectors.reply_draft_id_of(user),
            "reader_watch_level": notification_selectors.watch_level_of(user),
        },
    )
    thread.reader = ReaderFacts(
        read_mark=thread.reader_mark,
        has_draft=thread.reader_draft_id is not None,
        watch_level=thread.reader_watch_level or WatchLevel.NORMAL,
    )
    return thread


def wants_json(request: HttpRequest) -> bool:
    """Whether a form was sent by the page's script, asking for JSON in answer."""
    return "application/json" in request.headers.get("Accept", "")


def refused_as_asked(request: HttpRequest, exc: ForumError) -> HttpResponse:
    """The refusal of a form: the API's error body with its status when the page's
    script asked for JSON, else the refusal page (see `refused`), so that either way
    something the sender may not see is answered as a missing one is."""
    if wants_json(request):
        return JsonResponse(exc.as_body(), status=exc.status)
    return refused(request, exc)


def back_to_next(request: HttpRequest, default: Callable[[], str]) -> HttpResponse:
    """A redirect to the form's `next` (the page it was sent from) when that is an
    address on this site, else to what `default` answers (asked only then: finding a
    post's page costs queries)."""
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect(default())
