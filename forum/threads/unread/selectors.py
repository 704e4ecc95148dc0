"""What is new to a member: how far they read each thread, how many posts came after
that they may read, where the first of them is, and how far a page they are shown takes
their mark.

Posts are numbered in the order they became readable (Post.published_position: the order
they were written in, but a post held for approval or hidden takes the next number when
it is shown), and a member's mark is such a number (ThreadRead): every post up to it was
shown to them or is their own. A reply approved after a member read past where it was
written is so new to them. Only posts the permission authority lets them read count as
new (permissions.new_posts_q, the thread page's own rule), so a count never tells of a
post they could not open."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from forum.core import permissions
from forum.threads.models import Post, Thread, ThreadRead


@dataclass(frozen=True)
class ReadState:
    """How much of a thread is new to one member. `unread` is None for a thread they
    never opened and did not start: all of it is new, and its posts are not counted."""

    last_read_position: int | None
    last_read_post_id: int | None
    unread: int | None

    @property
    def is_new(self) -> bool:
        return self.unread is None

    @property
    def has_unread(self) -> bool:
        return self.unread is None or self.unread > 0


def read_mark_of(user) -> Subquery:
    """`user`'s mark on the thread of the outer query (its `pk`), or NULL where they never
    opened it: for lists, and to read with the thread (see `page_reading`'s `mark`)."""
    marks = ThreadRead.objects.filter(user_id=user.pk, thread_id=OuterRef("pk"))
    return Subquery(marks.values("last_read_position")[:1], output_field=IntegerField())


def _new_since_mark(user) -> QuerySet[Post]:
    """The posts new to `user` in the thread of the outer query (its `pk`), after its
    `mark` annotation (from the start when it is NULL)."""
    return Post.objects.filter(
        permissions.new_posts_q(user),
        thread_id=OuterRef("pk"),
        published_position__gt=Coalesce(OuterRef("mark"), 0),
    )


def read_states(*, user, threads: Sequence[Thread]) -> dict[int, ReadState]:
    """Each of `threads` (which `user` may see) by id, with what is new in it to `user`:
    one query for the whole list, whatever its length; none for an anonymous reader."""
    if not user.is_authenticated or not threads:
        return {}
    new_posts = (
        _new_since_mark(user)
        .order_by()
        .values("thread_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    # The last post the mark passed. Not necessarily at the mark: a post hidden and
    # restored since took a later place, and its old one names no post.
    marked_post = Post.objects.filter(
        thread_id=OuterRef("pk"), published_position__lte=OuterRef("mark")
    ).order_by("-published_position")
    rows = (
        Thread.objects.filter(pk__in=[thread.pk for thread in threads])
        .annotate(mark=read_mark_of(user))
        .annotate(
            marked_post_id=Subquery(marked_post.values("pk")[:1]),
            # A thread the member never opened is all new, uncounted: no scan of its
            # posts. Their own thread counts from its start.
            unread=Case(
                When(Q(mark__isnull=True) & ~Q(author_id=user.pk), then=Value(None)),
                default=Coalesce(Subquery(new_posts), 0),
                output_field=IntegerField(),
            ),
        )
        .values_list("pk", "mark", "marked_post_id", "unread")
    )
    return {
        pk: ReadState(last_read_position=mark, last_read_post_id=post_id, unread=unread)
        for pk, mark, post_id, unread in rows
    }


def read_state(*, user, thread: Thread) -> ReadState:
    """What is new in `thread` to `user` (a member who may see it). One query."""
    return read_states(user=user, threads=[thread])[thread.pk]


def first_unread_post(*, user, thread: Thread) -> Post | None:
    """The post of `thread` new to `user` that became readable first, or None when nothing
    is, or when they never opened the thread (it is all new: it opens at its start).
    One indexed query."""
    mark = ThreadRead.objects.filter(user_id=user.pk, thread=thread).values("last_read_position")
    return (
        Post.objects.filter(
            permissions.new_posts_q(user),
            thread=thread,
            published_position__gt=Subquery(mark[:1]),
        )
        .select_related("thread")
        .order_by("published_position")
        .first()
    )


def new_posts_count(*, user, thread: Thread, after_position: int) -> int:
    """How many posts of `thread` that became readable after `after_position` (a mark, or
    the thread's last position) are new to `user`."""
    return Post.objects.filter(
        permissions.new_posts_q(user), thread=thread, published_position__gt=after_position
    ).count()


@dataclass(frozen=True)
class PageReading:
    """What one page of a thread means to the member shown it: before which of its posts
    the "new since your last visit" marker goes (None: nowhere), and the position their
    mark moves up to (None: it stays)."""

    marker_before: int | None
    read_up_to: int | None


NOTHING_READ = PageReading(marker_before=None, read_up_to=None)

# `page_reading`'s mark when the caller did not read it with the thread.
UNKNOWN = object()


def page_reading(*, user, thread: Thread, shown: Sequence, mark=UNKNOWN) -> PageReading:
    """The marker and the new mark for `user` shown the posts `shown` (PostViews in
    reading order) of `thread`. The mark moves over the posts shown, up to the first post
    new to them that the page does not show (on another page, or deeper than it goes),
    so that what they have not been shown stays new. `mark` is their mark as read with
    the thread (`read_mark_of`; None: they never opened it), else it is asked for. No
    query (or one for the mark) for a page read again with nothing new on it, one more
    otherwise; none for an anonymous reader."""
    if not user.is_authenticated or not shown:
        return NOTHING_READ
    read = [view.post for view in shown if view.can_read and view.post.deleted_at is None]
    if mark is UNKNOWN:
        mark = (
            ThreadRead.objects.filter(user_id=user.pk, thread_id=thread.pk)
            .values_list("last_read_position", flat=True)
            .first()
        )
    if mark is not None and all(post.published_position <= mark for post in read):
        # A page read again: nothing on it is new, so neither a marker nor a move, and
        # no need to look for what it leaves out.
        return NOTHING_READ
    first_unshown = (
        Post.objects.filter(
            permissions.new_posts_q(user), thread=thread, published_position__gt=mark or 0
        )
        .exclude(pk__in=[view.post.pk for view in shown])
        .order_by("published_position")
        .values_list("published_position", flat=True)
        .first()
    )
    marker = None
    if mark is not None:
        marker = next(
            (
                post.pk
                for post in read
                if post.published_position > mark and post.author_id != user.pk
            ),
            None,
        )
    reach = max(
        (
            post.published_position
            for post in read
            if first_unshown is None or post.published_position < first_unshown
        ),
        default=None,
    )
    if reach is None or (mark is not None and reach <= mark):
        reach = None
    return PageReading(marker_before=marker, read_up_to=reach)
