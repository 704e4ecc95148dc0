"""Server-rendered pages. Thin: a selector call and a template."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt

from forum.accounts.models import User
from forum.core import permissions
from forum.core.errors import NotFound
from forum.notifications import selectors as notification_selectors
from forum.threads import selectors
from forum.threads.models import Post

THREADS_PER_PAGE = 30


def home(request: HttpRequest) -> HttpResponse:
    threads = Paginator(selectors.thread_list(user=request.user), THREADS_PER_PAGE)
    page = threads.get_page(request.GET.get("page"))
    return render(
        request,
        "web/home.html",
        {"categories": selectors.category_list(), "page": page},
    )


def thread_detail(request: HttpRequest, pk: int, slug: str = "") -> HttpResponse:
    try:
        thread = selectors.thread_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if slug != thread.slug:
        return redirect(thread.get_absolute_url(), permanent=True)
    after = request.GET.get("after", "")
    posts = selectors.thread_posts_page(user=request.user, thread=thread, after_path=after)
    has_more = len(posts) == selectors.POSTS_PAGE_SIZE
    return render(
        request,
        "web/thread.html",
        {
            "thread": thread,
            "posts": posts,
            "next_after": posts[-1].post.path if has_more else "",
        },
    )


def post_permalink(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(Post.objects.select_related("thread"), pk=pk)
    if not permissions.can_view_post(request.user, post) or not permissions.can_view_thread(
        request.user, post.thread
    ):
        raise Http404("No such post.")
    return redirect(f"{post.thread.get_absolute_url()}#post-{post.pk}")


def profile(request: HttpRequest, username: str) -> HttpResponse:
    member = get_object_or_404(User, username=username, is_active=True)
    threads = selectors.thread_list(user=request.user).filter(author=member)[:20]
    return render(request, "web/profile.html", {"member": member, "threads": threads})


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    page = Paginator(notification_selectors.inbox(user=request.user), 30).get_page(
        request.GET.get("page")
    )
    items = [(n, notification_selectors.describe(n)) for n in page.object_list]
    return render(request, "web/notifications.html", {"page": page, "items": items})


@csrf_exempt  # the signed token authenticates; mail clients POST it with no session (RFC 8058)
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    from forum.notifications import email

    member = email.user_for_unsubscribe_token(token)
    if member is None:
        return render(request, "web/unsubscribe.html", {"invalid": True}, status=400)
    done = False
    if request.method == "POST":
        email.email_unsubscribe(user=member)
        done = True
    return render(request, "web/unsubscribe.html", {"member": member, "done": done})
