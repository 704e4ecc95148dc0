"""Atom feeds of the latest threads (everywhere or in one category) and of the newest
posts in a thread.

Feeds are public and cached by readers and proxies, so they are always built as an
anonymous visitor sees the forum: only visible posts of visible threads, whoever asks.
Entry content is the stored, sanitised HTML; nothing is rendered here.
"""

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed

from forum.core import permissions
from forum.threads import selectors
from forum.threads.models import Category, Post, Thread

FEED_SIZE = 30

_PUBLIC = AnonymousUser()


class LatestThreadsFeed(Feed):
    """The threads with the newest activity, with each opening post as the entry."""

    feed_type = Atom1Feed
    title = "Parley: latest threads"
    subtitle = "Threads with the newest activity."

    def link(self) -> str:
        return "/"

    def items(self):
        return selectors.thread_list(user=_PUBLIC).select_related("opening_post")[:FEED_SIZE]

    def item_title(self, item: Thread) -> str:
        return item.title

    def item_description(self, item: Thread) -> str:
        return _public_html(item.opening_post)

    def item_link(self, item: Thread) -> str:
        return item.get_absolute_url()

    def item_author_name(self, item: Thread) -> str:
        return item.author.shown_name

    def item_pubdate(self, item: Thread):
        return item.created_at

    def item_updateddate(self, item: Thread):
        return item.last_activity_at

    def item_categories(self, item: Thread):
        return (item.category.name,)


class CategoryThreadsFeed(LatestThreadsFeed):
    """The latest threads of one category."""

    def get_object(self, request, slug: str) -> Category:
        return get_object_or_404(Category, slug=slug)

    def title(self, obj: Category) -> str:
        return f"Parley: {obj.name}"

    def subtitle(self, obj: Category) -> str:
        return obj.description or f"Threads in {obj.name}."

    def link(self, obj: Category) -> str:
        return f"/c/{obj.slug}/"

    def items(self, obj: Category):
        return (selectors.thread_list(user=_PUBLIC, category=obj).select_related("opening_post"))[
            :FEED_SIZE
        ]


class ThreadPostsFeed(Feed):
    """The newest visible posts of a thread, newest first."""

    feed_type = Atom1Feed

    def get_object(self, request, pk: int) -> Thread:
        thread = get_object_or_404(Thread.objects.select_related("category"), pk=pk)
        if not permissions.can_view_thread(_PUBLIC, thread):
            # The same answer as for an id that does not exist.
            raise Thread.DoesNotExist
        return thread

    def title(self, obj: Thread) -> str:
        return f"Parley: {obj.title}"

    def link(self, obj: Thread) -> str:
        return obj.get_absolute_url()

    def subtitle(self, obj: Thread) -> str:
        return f"New posts in “{obj.title}”."

    def items(self, obj: Thread):
        return (
            Post.objects.filter(thread=obj)
            .filter(permissions.visible_posts_q(_PUBLIC))
            .select_related("author")
            .order_by("-created_at", "-pk")[:FEED_SIZE]
        )

    def item_title(self, item: Post) -> str:
        return f"{item.author.shown_name} (post {item.position})"

    def item_description(self, item: Post) -> str:
        return _public_html(item)

    def item_link(self, item: Post) -> str:
        return f"/p/{item.pk}/"

    def item_author_name(self, item: Post) -> str:
        return item.author.shown_name

    def item_pubdate(self, item: Post):
        return item.created_at

    def item_updateddate(self, item: Post):
        return item.edited_at or item.created_at


def _public_html(post: Post | None) -> str:
    """The post's stored HTML when an anonymous reader may see it, else nothing."""
    if post is None or not permissions.can_view_post(_PUBLIC, post):
        return ""
    return post.body_html
