"""Bookmarks on the web: a post's bookmark page and each thread's form save it with a
note or take it out and come back (or, asked by bookmarks.js for JSON, answer the
bookmark's state), and the bookmarks page lists the member's own, the newest first,
where each note is changed and each bookmark removed.

A thread page's posts are HTML shared between readers, so under each post is a link to
its bookmark page, never the reader's form or state: bookmarks.js puts the form in
place of each link, asks `thread_bookmarks` once per page and marks the saved ones."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from forum.core.errors import ForumError
from forum.threads import bookmarks
from forum.threads.rendering import text_excerpt
from forum.web.views.pages import (
    back_to_next,
    post_location,
    private_page,
    refused_as_asked,
    thread_or_404,
    wants_json,
)
from forum.web.views.reading import ListPage

BOOKMARKS_PER_PAGE = 20


@login_required
@private_page
@require_safe
def bookmark_list(request: HttpRequest) -> HttpResponse:
    page = ListPage(
        bookmarks.bookmark_list(user=request.user),
        request.GET.get("page"),
        per_page=BOOKMARKS_PER_PAGE,
    )
    page.object_list = [
        bookmarks.bookmark_entry(user=request.user, bookmark=bookmark)
        for bookmark in page.object_list
    ]
    return render(request, "web/bookmarks.html", {"page": page})


def _bookmark_change(request: HttpRequest, *, find, default_back) -> HttpResponse:
    """Save (`do=save`, the default, with `note`) or remove (`do=remove`) the reader's
    bookmark of what `find` looks up (its kind, "post" or "thread", and the object), then
    come back to `next` or to `default_back(target)`."""
    removing = request.POST.get("do") == "remove"
    note = ""
    try:
        kind, target = find()
        if removing:
            bookmarks.bookmark_remove(user=request.user, **{kind: target})
        else:
            bookmark, _ = bookmarks.bookmark_save(
                user=request.user, note=request.POST.get("note", ""), **{kind: target}
            )
            note = bookmark.note
    except ForumError as exc:
        return refused_as_asked(request, exc)
    if wants_json(request):
        return JsonResponse({"bookmarked": not removing, "note": note})
    messages.success(
        request, "Removed from your bookmarks." if removing else "Saved to your bookmarks."
    )
    return back_to_next(request, lambda: default_back(target))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@private_page
def post_bookmark(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the page saving the post to the reader's bookmarks, with their note (where a
    post's "Bookmark" link leads without JavaScript); POST: save or remove it."""
    if request.method != "POST":
        try:
            post, bookmark = bookmarks.post_bookmark_get(user=request.user, pk=pk)
        except ForumError as exc:
            return refused_as_asked(request, exc)
        context = {
            "post": post,
            "bookmark": bookmark,
            "post_url": post_location(post),
            "excerpt": text_excerpt(post.body_html),
        }
        return render(request, "web/post_bookmark.html", context)
    return _bookmark_change(
        request,
        find=lambda: ("post", bookmarks.bookmark_target_post(pk=pk)),
        default_back=post_location,
    )


@login_required
@require_POST
def thread_bookmark(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    return _bookmark_change(
        request,
        find=lambda: ("thread", bookmarks.bookmark_target_thread(pk=pk)),
        default_back=lambda thread: thread.get_absolute_url(),
    )


@login_required
@require_POST
def bookmark_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the note of, or remove, one of the member's bookmarks from their list, even
    of something they may no longer read (then only removing it)."""

    def find():
        bookmark = bookmarks.bookmark_get(user=request.user, pk=pk)
        if bookmark.post_id is not None:
            return "post", bookmark.post
        return "thread", bookmark.thread

    return _bookmark_change(request, find=find, default_back=lambda _: reverse("web:bookmarks"))


@login_required
@require_safe
def thread_bookmarks(request: HttpRequest, pk: int, slug: str) -> JsonResponse:
    """The reader's bookmarks of the thread and its posts, for bookmarks.js to mark the
    page's buttons: `{"thread": note or null, "posts": {"<post id>": note}}`."""
    thread = thread_or_404(request, pk)
    response = JsonResponse(bookmarks.bookmarks_in_thread(user=request.user, thread=thread))
    response["Cache-Control"] = "private, no-store"
    return response
