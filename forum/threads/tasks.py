"""Telling the rest of the forum that a post was published: ids in, safe to run twice."""

from forum.core import events
from forum.core.tasks import forum_task, send_again
from forum.threads import publishing
from forum.threads.models import Post, PostState


@forum_task("threads.fan_out_post", soft_time_limit=120)
def fan_out_post(post_id: int) -> bool:
    """Deliver `PostPublished` for a visible post to its subscribers (notifications work
    out who hears of it, webhooks tell integrators), then mark the post's fan-out done.
    A post that is not (or no longer) visible is announced to nobody. Returns whether it
    was announced."""
    post = Post.objects.select_related("thread", "parent").filter(pk=post_id).first()
    if post is None:
        return False
    announced = False
    if post.state == PostState.VISIBLE and post.deleted_at is None:
        if post.thread.state != PostState.VISIBLE or post.thread.is_deleted:
            # Readers cannot see its thread yet: its fan-out stays due until the thread is
            # back or the post moves to another (merged, split), and the sweep sends it then.
            return False
        # Subscribers are safe to repeat (deliveries are once per member and event), so a
        # retry after a failure part way is harmless.
        events.deliver(events.PostPublished(post=post))
        announced = True
    # Not before every subscriber is done: a task that fails part way is retried, or
    # failing for good left the post due for the sweep.
    publishing.fan_out_done(post_id=post.pk, due=post.fan_out_due_at)
    return announced


@forum_task("threads.sweep_due_fan_outs", soft_time_limit=50, max_retries=3)
def sweep_due_fan_outs() -> int:
    """Send again the fan-outs of visible posts whose task was lost (a broker away when
    the post was published, or retries used up)."""
    return send_again(fan_out_post, publishing.fan_outs_overdue(), what="overdue fan-outs")
