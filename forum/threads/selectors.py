"""Reads of threads and posts, shaped for their callers: a page costs a fixed number of
queries whatever the thread's size."""

from dataclasses import dataclass

from django.db.models import QuerySet

from forum.core import permissions
from forum.threads.models import Category, Post, PostState, Thread

POSTS_PAGE_SIZE = 50


def category_list() -> QuerySet[Category]:
    return Category.objects.order_by("position", "name")


def thread_list(*, user, category: Category | None = None) -> QuerySet[Thread]:
    threads = Thread.objects.filter(permissions.visible_threads_q(user))
    if category is not None:
        threads = threads.filter(category=category)
    return threads.select_related("category", "author").order_by(
        "-is_pinned", "-last_activity_at", "-pk"
    )


def thread_get(*, user, pk: int) -> Thread:
    """The thread with its category and author, or NotFound if `user` may not see it."""
    from forum.core.errors import NotFound

    thread = Thread.objects.select_related("category", "author").filter(pk=pk).first()
    if thread is None or not permissions.can_view_thread(user, thread):
        raise NotFound("No such thread.")
    return thread


def post_for_reply(*, thread: Thread, pk: int) -> Post:
    """The post being replied to. A missing id, or a post of another thread, is refused in
    the same words as a hidden one, so a refusal reveals nothing."""
    from forum.core.errors import ValidationFailed

    post = Post.objects.filter(pk=pk, thread=thread).first()
    if post is None:
        raise ValidationFailed.for_field(
            "parent", "The post you are replying to is not in this thread.", code="bad_parent"
        )
    return post


@dataclass(frozen=True)
class PostView:
    """A post as one reader sees it: `post` when they may read it, or a placeholder that
    keeps the branch together (`body_html` empty, `placeholder` saying why)."""

    post: Post
    can_read: bool
    placeholder: str

    @property
    def body_html(self) -> str:
        return self.post.body_html if self.can_read else ""


_PLACEHOLDERS = {
    PostState.HIDDEN: "This post is hidden while moderators review it.",
    PostState.REMOVED: "This post was removed by a moderator.",
}


def thread_posts_page(
    *, user, thread: Thread, after_path: str = "", limit: int = POSTS_PAGE_SIZE
) -> list[PostView]:
    """One page of `thread` in reading order (parents before their replies), in one query.

    Posts `user` may not read appear as placeholders so replies keep their context;
    other members' pending posts are left out, since nobody else could have replied."""
    posts = (
        Post.objects.filter(thread=thread, path__gt=after_path)
        .select_related("author")
        .defer("body_source", "author__bio")
        .order_by("path")[:limit]
    )
    page = []
    for post in posts:
        if permissions.can_view_post(user, post):
            page.append(PostView(post=post, can_read=True, placeholder=""))
        elif post.deleted_at is not None:
            page.append(PostView(post=post, can_read=False, placeholder="This post was deleted."))
        elif post.state in _PLACEHOLDERS:
            page.append(PostView(post=post, can_read=False, placeholder=_PLACEHOLDERS[post.state]))
    return page
