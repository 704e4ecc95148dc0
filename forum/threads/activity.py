"""A member's activity as their profile shows it: the threads they started and the
replies they wrote (what the viewer may read of them), and what anyone may count of it
(their posts, and the reactions those posts received)."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, IntegerField, Q, QuerySet, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce

from forum.accounts.models import User
from forum.accounts.selectors import active_member_named
from forum.core import permissions
from forum.core.errors import NotFound
from forum.threads.models import Post, ReactionKind
from forum.threads.rendering import text_excerpt


class ActivityKind:
    THREADS = "threads"
    REPLIES = "replies"
    ALL = (THREADS, REPLIES)


def member_get(*, username: str) -> User:
    """The member whose profile `username` names. A deactivated account has no profile
    (NotFound, as for a name nobody holds); a sanctioned member keeps theirs, as what
    they wrote stays readable."""
    member = active_member_named(username)
    if member is None:
        raise NotFound("No such member.")
    return member


def member_posts(*, viewer, member: User, kind: str | None = None) -> QuerySet[Post]:
    """`member`'s posts that `viewer` may read, in threads `viewer` may see, the newest
    first, each with its thread: the opening posts of their threads (`kind` "threads"),
    their replies ("replies"), or both (None). One indexed range per page."""
    posts = Post.objects.filter(
        permissions.visible_posts_q(viewer),
        permissions.visible_threads_q(viewer, prefix="thread__"),
        author=member,
    )
    if kind == ActivityKind.THREADS:
        posts = posts.filter(position=1)
    elif kind == ActivityKind.REPLIES:
        posts = posts.filter(position__gt=1)
    return posts.select_related("thread").order_by("-created_at", "-pk")


@dataclass(frozen=True)
class ActivityEntry:
    """One post in a member's activity: its thread (for the title and the link), and the
    opening words of its rendered text."""

    post: Post
    excerpt: str

    @property
    def thread(self):
        return self.post.thread

    @property
    def created_at(self) -> datetime:
        return self.post.created_at


def activity_entries(posts) -> list[ActivityEntry]:
    """The rows of `member_posts` as a list shows them."""
    return [ActivityEntry(post, text_excerpt(post.body_html)) for post in posts]


@dataclass(frozen=True)
class ActivityTotals:
    """What anyone may count of a member's activity: the same for every viewer, so that
    a count never reveals a post some viewer may not read."""

    thread_count: int
    reply_count: int
    reactions_received: dict[str, int]

    @property
    def post_count(self) -> int:
        return self.thread_count + self.reply_count


def member_activity_totals(*, member: User) -> ActivityTotals:
    """How many of `member`'s threads and replies anyone may read, and the reactions of
    each kind those posts received (read from each post's counts). One query."""
    public = member_posts(viewer=AnonymousUser(), member=member).order_by()
    received = {
        kind: Coalesce(Sum(Cast(KT(f"reaction_counts__{kind}"), IntegerField())), 0)
        for kind in ReactionKind.values
    }
    totals = public.aggregate(
        threads=Count("pk", filter=Q(position=1)),
        replies=Count("pk", filter=Q(position__gt=1)),
        **received,
    )
    return ActivityTotals(
        thread_count=totals["threads"],
        reply_count=totals["replies"],
        reactions_received={kind: totals[kind] for kind in ReactionKind.values},
    )
