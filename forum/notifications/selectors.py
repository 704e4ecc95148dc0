"""Reads for notifications: who hears of a post, and a member's inbox."""

from collections.abc import Iterator

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Lower

from forum.accounts.models import User
from forum.core import permissions
from forum.notifications.kinds import KINDS, Wording
from forum.notifications.models import (
    CategoryWatch,
    Notification,
    ThreadWatch,
    UserMute,
    WatchLevel,
)
from forum.threads.models import Post, PostState
from forum.threads.rendering import text_excerpt


def fanout_recipients(*, post: Post) -> dict[int, str]:
    """Who should hear of `post`, as {member id: kind}. See `iter_fanout_recipients`."""
    return dict(iter_fanout_recipients(post=post))


def iter_fanout_recipients(*, post: Post) -> Iterator[tuple[int, str]]:
    """Who should hear of `post`, and as which kind, from one query: the thread's
    watchers, the mentioned and quoted members, the author of the post replied to, and
    (for a new thread) the category's watchers; less the author and anyone who muted
    the thread or the author (or whom the author muted)."""
    thread = post.thread
    mentions = [name for name in post.mentions if isinstance(name, str)]
    quoted_authors = Post.objects.filter(pk__in=post.quoted_post_ids, thread__isnull=False).values(
        "author_id"
    )
    parent_author_id = post.parent.author_id if post.parent_id else None
    watching = Q(thread_watches__thread=thread, thread_watches__level=WatchLevel.WATCHING)
    wanted = (
        watching | Q(username_lower__in=[n.lower() for n in mentions]) | Q(pk__in=quoted_authors)
    )
    if parent_author_id:
        wanted |= Q(pk=parent_author_id)
    if post.is_opening_post:
        wanted |= Q(
            category_watches__category_id=thread.category_id,
            category_watches__level=WatchLevel.WATCHING,
        )
    # NOT EXISTS rather than NOT IN: PostgreSQL plans an anti-join for it, where NOT IN
    # over a subquery can turn into a scan of the subquery per candidate row.
    muted = ThreadWatch.objects.filter(
        thread=thread, level=WatchLevel.MUTED, user_id=OuterRef("pk")
    )
    muted_category = CategoryWatch.objects.filter(
        category_id=thread.category_id, level=WatchLevel.MUTED, user_id=OuterRef("pk")
    )
    muting_author = UserMute.objects.filter(muted_id=post.author_id, user_id=OuterRef("pk"))
    muted_by_author = UserMute.objects.filter(user_id=post.author_id, muted_id=OuterRef("pk"))
    rows = (
        User.objects.annotate(username_lower=Lower("username"))
        .filter(wanted, is_active=True)
        .exclude(pk=post.author_id)
        .exclude(Exists(muted))
        .exclude(Exists(muted_category))
        .exclude(Exists(muting_author))
        .exclude(Exists(muted_by_author))
        .values_list("pk", "username")
        .distinct()
    )
    # Streamed from a server-side cursor, so memory stays flat however many watch.
    return _choose_kinds(
        rows.iterator(chunk_size=2000),
        post=post,
        mentions=mentions,
        parent_author_id=parent_author_id,
    )


def _choose_kinds(rows, *, post: Post, mentions, parent_author_id) -> Iterator[tuple[int, str]]:
    """Each recipient gets one notification per post: the most specific kind."""
    mentioned = {name.lower() for name in mentions}
    quoted_author_ids = set(
        Post.objects.filter(pk__in=post.quoted_post_ids).values_list("author_id", flat=True)
    )
    for user_id, username in rows:
        if username.lower() in mentioned:
            kind = "mention"
        elif user_id in quoted_author_ids:
            kind = "quote"
        elif user_id == parent_author_id:
            kind = "reply"
        elif post.is_opening_post:
            kind = "new_thread"
        else:
            kind = "new_post"
        yield user_id, kind


# Moderation outcomes about one's own post, thread or report show whatever its state.
DIRECT_KINDS = tuple(name for name, kind in KINDS.items() if kind.direct)


def inbox(*, user) -> QuerySet[Notification]:
    """`user`'s notifications, newest first, leaving out those whose post or thread is no
    longer visible to them (hidden or removed after the fan-out), except decisions about
    their own posts and reports."""
    return (
        Notification.objects.filter(recipient=user)
        .filter(
            Q(kind__in=DIRECT_KINDS)
            | (
                (
                    Q(post__isnull=True)
                    | Q(post__state=PostState.VISIBLE, post__deleted_at__isnull=True)
                )
                # A visible reply in a thread hidden since must not show the thread's title.
                & (Q(thread__isnull=True) | permissions.visible_threads_q(user, prefix="thread__"))
            )
        )
        .select_related("actor", "thread", "post__thread")
        .order_by("-updated_at", "-pk")
    )


def unread_count(*, user) -> int:
    return inbox(user=user).filter(read_at__isnull=True).count()


def describe(notification: Notification) -> str:
    """What `notification` says: who did what to which post, and why."""
    kind = KINDS[notification.kind]
    thread = notification.thread.title if notification.thread_id else ""
    decided = notification.actor_id is not None
    because = ""
    if notification.reason:
        because = f": {notification.reason}" if decided else f" ({notification.reason})"
    post = notification.post
    opening = post is not None and post.is_opening_post
    wording = Wording(
        actor=notification.actor.identified_name if decided else "Someone",
        thread=thread,
        count=notification.count,
        subject=f"thread “{thread}”" if opening or post is None else f"reply in “{thread}”",
        by="a moderator" if decided else "an automatic check",
        because=because,
    )
    return kind.describe(wording, outcome=notification.outcome)


EXCERPT_CHARS = 140


def leads_to_post(notification: Notification, *, user) -> bool:
    """Whether `notification` leads `user` (its recipient) to its post: there is one and
    they may read it where it stands (their own held or removed post included)."""
    post = notification.post
    return post is not None and permissions.can_read_post(user, post)


def excerpt(notification: Notification, *, user) -> str:
    """The beginning of the rendered text of the post `notification` is about, for
    `user` (its recipient) if it leads them to it; otherwise nothing."""
    if not leads_to_post(notification, user=user):
        return ""
    return text_excerpt(notification.post.body_html, length=EXCERPT_CHARS)


def hears_of_reaction(*, recipient_id: int, actor_id: int, thread_id: int) -> bool:
    """Whether the member `recipient_id` (a post's author) hears that `actor_id` reacted
    to their post in `thread_id`: an active member who muted neither the actor nor the
    thread or its category. One query."""
    muted_thread = ThreadWatch.objects.filter(
        thread_id=thread_id, level=WatchLevel.MUTED, user_id=OuterRef("pk")
    )
    muted_category = CategoryWatch.objects.filter(
        category__threads=thread_id, level=WatchLevel.MUTED, user_id=OuterRef("pk")
    )
    muting_actor = UserMute.objects.filter(muted_id=actor_id, user_id=OuterRef("pk"))
    return (
        User.objects.filter(pk=recipient_id, is_active=True)
        .exclude(Exists(muted_thread))
        .exclude(Exists(muted_category))
        .exclude(Exists(muting_actor))
        .exists()
    )


def watch_level_of(user) -> Subquery:
    """`user`'s watch level on the thread of the outer query, to read with the thread;
    None where they never set one, which is the normal level."""
    watches = ThreadWatch.objects.filter(user_id=user.pk, thread=OuterRef("pk"))
    return Subquery(watches.values("level")[:1])


def muted_among(*, user, author_ids) -> frozenset[int]:
    """Which of `author_ids` (ids, or a queryset of them) `user` muted: their posts are
    shown folded to `user`. No query for a visitor, for a member who mutes nobody (their
    `muting_count`, read with them), nor for no ids but their own (nobody mutes
    themselves); else one, on the (user, muted) unique index."""
    if not user.is_authenticated or not user.muting_count:
        return frozenset()
    if not isinstance(author_ids, QuerySet):
        author_ids = {author_id for author_id in author_ids if author_id not in (None, user.pk)}
        if not author_ids:
            return frozenset()
    return frozenset(
        UserMute.objects.filter(user=user, muted_id__in=author_ids).values_list(
            "muted_id", flat=True
        )
    )


def mute_list(*, user) -> QuerySet[UserMute]:
    """The members `user` muted, with their names, for a page of them."""
    return UserMute.objects.filter(user=user).select_related("muted")
