"""Moving a member's read mark in a thread (see forum.threads.unread.selectors)."""

from django.db import connection
from django.utils import timezone

from forum.core import permissions
from forum.core.errors import ValidationFailed
from forum.threads.models import Post, Thread, ThreadRead

_TABLE = connection.ops.quote_name(ThreadRead._meta.db_table)
# One statement whether or not the member has a mark yet, and it only moves forward: an
# older position (a page read again, an earlier post named) leaves the row untouched.
# PostgreSQL and SQLite (3.24+) both take it.
_MOVE_FORWARD = f"""
INSERT INTO {_TABLE} (user_id, thread_id, last_read_position, read_at)
VALUES (%s, %s, %s, %s)
ON CONFLICT (user_id, thread_id) DO UPDATE
SET last_read_position = excluded.last_read_position, read_at = excluded.read_at
WHERE {_TABLE}.last_read_position < excluded.last_read_position
"""  # noqa: S608 (the table's own name; the values are parameters)


def thread_read_mark(*, user, thread: Thread, position: int) -> bool:
    """Move `user`'s mark in `thread` up to `position`, never back: one write, whether
    the member had a mark or not. Returns whether it moved. The caller has checked that
    `user` may see `thread` and was shown the posts up to `position`."""
    with connection.cursor() as cursor:
        cursor.execute(_MOVE_FORWARD, [user.pk, thread.pk, position, timezone.now()])
        return cursor.rowcount > 0


def thread_read_up_to(*, user, thread: Thread, post_id: int) -> bool:
    """Mark `thread` read by `user` up to the post `post_id` (an integrator saying what
    its member has read). A post that is not in the thread, or that the member may not
    read, is refused in the same words, so the refusal reveals nothing. Moves forward
    only; returns whether the mark moved."""
    permissions.check_can_track_reading(user, thread)
    post = Post.objects.filter(pk=post_id, thread=thread).first()
    if post is not None:
        post.thread = thread
    if post is None or not permissions.can_view_post(user, post):
        raise ValidationFailed.for_field(
            "post_id", "There is no such post in this thread.", code="bad_post"
        )
    return thread_read_mark(user=user, thread=thread, position=post.published_position)
