"""Bookmarks: a member saves a post or a whole thread to come back to, with a note of
their own, and lists what they saved, the newest first.

A bookmark outlives what it names being taken from the member's sight (a post hidden,
removed or deleted, a thread taken down): it stays in their list as "no longer
available", with their note and without any of the post's or thread's words, and comes
back whole if the content does. Whether it is available is asked of the permission
authority for each bookmark as it is read, never stored."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from forum.core import permissions
from forum.core.errors import NotFound
from forum.core.text import clean_text
from forum.threads.models import Bookmark, Post, Thread
from forum.threads.rendering import text_excerpt

# --- writes -------------------------------------------------------------------------


def _target(*, post: Post | None, thread: Thread | None) -> dict:
    if (post is None) == (thread is None):
        raise TypeError("A bookmark names a post or a thread, not both.")
    return {"post": post} if post is not None else {"thread": thread}


def _check_can_bookmark(user, *, post: Post | None, thread: Thread | None) -> None:
    if post is not None:
        permissions.check_can_bookmark(user, post)
    else:
        permissions.check_can_bookmark_thread(user, thread)


def bookmark_save(
    *, user, post: Post | None = None, thread: Thread | None = None, note: object = ""
) -> tuple[Bookmark, bool]:
    """Save `post` (its `thread` loaded) or `thread` for `user` with `note` (plain text,
    one line), or change the note of the bookmark they have of it. Returns the bookmark
    and whether it is new; saving the same note again changes nothing. Raises ForumError
    if refused (see permissions.check_can_bookmark) or the note is not valid."""
    target = _target(post=post, thread=thread)
    _check_can_bookmark(user, post=post, thread=thread)
    note = clean_text(
        note, field="note", min_length=0, max_length=Bookmark.NOTE_MAX_LENGTH, multiline=False
    )
    with transaction.atomic():
        bookmark, created = Bookmark.objects.get_or_create(
            user=user, **target, defaults={"note": note}
        )
        if not created and bookmark.note != note:
            bookmark.note = note
            bookmark.updated_at = timezone.now()
            bookmark.save(update_fields=["note", "updated_at"])
    return bookmark, created


def bookmark_remove(*, user, post: Post | None = None, thread: Thread | None = None) -> bool:
    """Take `post` or `thread` out of `user`'s bookmarks. Returns False when it was not
    among them. A member may always remove a bookmark they have, whatever became of what
    it names; without one, content they may not read is NotFound, as it is to saving."""
    target = _target(post=post, thread=thread)
    if not user.is_authenticated:
        _check_can_bookmark(user, post=post, thread=thread)
    if Bookmark.objects.filter(user=user, **target).delete()[0]:
        return True
    _check_can_bookmark(user, post=post, thread=thread)
    return False


# --- reads --------------------------------------------------------------------------


def bookmark_list(*, user) -> QuerySet[Bookmark]:
    """`user`'s bookmarks, the newest first, with what `bookmark_entry` reads of each
    loaded in the same query."""
    return (
        Bookmark.objects.filter(user=user)
        .select_related(
            "post__thread__category",
            "post__author",
            "thread__category",
            "thread__opening_post",
        )
        .order_by("-created_at", "-pk")
    )


def bookmark_get(*, user, pk: int) -> Bookmark:
    """One of `user`'s own bookmarks, with what it names loaded: anyone else's, or none,
    is NotFound."""
    bookmark = bookmark_list(user=user).filter(pk=pk).first() if user.is_authenticated else None
    if bookmark is None:
        raise NotFound("No such bookmark.")
    return bookmark


@dataclass(frozen=True)
class BookmarkEntry:
    """One bookmark as its owner is shown it: with the thread's title, an excerpt of the
    post (a thread's opening post) and links while they may read them; otherwise
    `available` is False and only the bookmark's own facts are given."""

    bookmark: Bookmark
    available: bool
    kind: str  # "post" or "thread"
    target_id: int
    title: str = ""
    excerpt: str = ""
    author: object = None
    url: str = ""
    thread_url: str = ""

    @property
    def note(self) -> str:
        return self.bookmark.note

    @property
    def created_at(self) -> datetime:
        return self.bookmark.created_at

    @property
    def updated_at(self) -> datetime:
        return self.bookmark.updated_at


def bookmark_entry(*, user, bookmark: Bookmark) -> BookmarkEntry:
    """What `user` is shown of their `bookmark` (read by `bookmark_list`): no query."""
    if bookmark.post_id is not None:
        post = bookmark.post
        if not permissions.can_read_post(user, post):
            return BookmarkEntry(bookmark, False, "post", bookmark.post_id)
        return BookmarkEntry(
            bookmark,
            True,
            "post",
            post.pk,
            title=post.thread.title,
            excerpt=text_excerpt(post.body_html),
            author=post.author,
            url=reverse("web:post", kwargs={"pk": post.pk}),
            thread_url=post.thread.get_absolute_url(),
        )
    thread = bookmark.thread
    if not permissions.can_view_thread(user, thread):
        return BookmarkEntry(bookmark, False, "thread", bookmark.thread_id)
    opening = thread.opening_post
    excerpt = ""
    if opening is not None:
        opening.thread = thread
        if permissions.can_read_post(user, opening):
            excerpt = text_excerpt(opening.body_html)
    return BookmarkEntry(
        bookmark,
        True,
        "thread",
        thread.pk,
        title=thread.title,
        excerpt=excerpt,
        url=thread.get_absolute_url(),
        thread_url=thread.get_absolute_url(),
    )


def bookmarks_in_thread(*, user, thread: Thread) -> dict:
    """`user`'s bookmarks of `thread` and of its posts, for a page to show which of its
    buttons are theirs: `{"thread": note or None, "posts": {post id: note}}`. One indexed
    query; nothing for an anonymous reader. NotFound if they may not see the thread."""
    permissions.check_can_view_thread(user, thread)
    marks: dict = {"thread": None, "posts": {}}
    if not user.is_authenticated:
        return marks
    rows = Bookmark.objects.filter(Q(post__thread=thread) | Q(thread=thread), user=user)
    for post_id, note in rows.values_list("post_id", "note"):
        if post_id is None:
            marks["thread"] = note
        else:
            marks["posts"][str(post_id)] = note
    return marks


def bookmark_target_post(*, pk: int) -> Post:
    """The post `pk` names, with its thread and author, for saving or removing a bookmark
    of it (the services decide who may): NotFound when there is none."""
    post = Post.objects.select_related("thread", "author").filter(pk=pk).first()
    if post is None:
        raise NotFound("No such post.")
    return post


def post_bookmark_get(*, user, pk: int) -> tuple[Post, Bookmark | None]:
    """The post `pk` names (with its thread and author) and `user`'s bookmark of it (None:
    they have none), for the page that saves it; refused as saving it would be (a post
    they may not read is NotFound, as a missing one)."""
    post = bookmark_target_post(pk=pk)
    permissions.check_can_bookmark(user, post)
    return post, Bookmark.objects.filter(user=user, post=post).first()


def bookmark_target_thread(*, pk: int) -> Thread:
    """The thread `pk` names, for saving or removing a bookmark of it: NotFound when there
    is none."""
    thread = Thread.objects.filter(pk=pk).first()
    if thread is None:
        raise NotFound("No such thread.")
    return thread
