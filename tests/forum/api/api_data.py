"""Ways to make many rows quickly for the API tests."""

import datetime as dt

from django.utils import timezone

from forum.threads.models import Post, PostRevision, PostState, Thread
from forum.threads.services import child_path


def bulk_replies(thread: Thread, count: int, *, author, state: str = PostState.VISIBLE) -> None:
    """`count` replies to the opening post of `thread`, written in bulk (a thousand
    through the services would take minutes), with revisions, as the services leave them."""
    opening = Post.objects.get(pk=thread.opening_post_id)
    start = thread.last_position
    now = timezone.now()
    posts = [
        Post(
            thread=thread,
            author=author,
            parent=opening,
            position=start + n,
            published_position=start + n,
            depth=1,
            path=child_path(opening.path, start + n),
            state=state,
            body_source=f"Reply number {n}",
            body_html=f"<p>Reply number {n}</p>",
            created_at=now + dt.timedelta(microseconds=n),
        )
        for n in range(1, count + 1)
    ]
    Post.objects.bulk_create(posts)
    created = list(Post.objects.filter(thread=thread, position__gt=start).order_by("position"))
    revisions = PostRevision.objects.bulk_create(
        PostRevision(
            post=post,
            number=1,
            editor=author,
            body_source=post.body_source,
            body_html=post.body_html,
        )
        for post in created
    )
    for post, revision in zip(created, revisions, strict=True):
        post.current_revision = revision
    Post.objects.bulk_update(created, ["current_revision"])
    Thread.objects.filter(pk=thread.pk).update(
        last_position=start + count,
        reply_count=thread.reply_count + (count if state == PostState.VISIBLE else 0),
    )
    thread.refresh_from_db()
