"""Fan-out tasks: ids in, safe to run twice."""

from forum.core.tasks import forum_task, send_again
from forum.notifications import selectors, services
from forum.threads.models import Post, PostState


@forum_task("notifications.fan_out_post", soft_time_limit=120)
def fan_out_post(post_id: int) -> int:
    """Work out who hears of a visible post and enqueue one delivery task per batch,
    then mark the post's fan-out done. A post that is not (or no longer) visible
    notifies nobody."""
    post = Post.objects.select_related("thread", "parent").filter(pk=post_id).first()
    if post is None:
        return 0
    if post.state != PostState.VISIBLE or post.deleted_at is not None:
        batches = 0
    elif post.thread.state != PostState.VISIBLE or post.thread.is_deleted:
        # Readers cannot see its thread yet: its fan-out stays due until the thread is
        # back or the post moves to another (merged, split), and the sweep sends it then.
        return 0
    else:
        batches = _fan_out(post)
    # Not before every batch is enqueued: a task that fails part way is retried, or
    # failing for good left the post due for the sweep.
    services.fan_out_done(post_id=post.pk, due=post.fan_out_due_at)
    return batches


def _fan_out(post: Post) -> int:
    post_id = post.pk
    _tell_integrators(post)
    # One buffer per kind, sent off whenever it fills: memory stays at one batch a kind.
    buffers: dict[str, list[int]] = {}
    batches = 0
    for user_id, kind in selectors.iter_fanout_recipients(post=post):
        buffer = buffers.setdefault(kind, [])
        buffer.append(user_id)
        if len(buffer) >= services.BATCH_SIZE:
            deliver_batch.delay(post_id, kind, buffer)
            buffers[kind] = []
            batches += 1
    for kind, buffer in buffers.items():
        if buffer:
            deliver_batch.delay(post_id, kind, buffer)
            batches += 1
    return batches


@forum_task("notifications.sweep_due_fan_outs", soft_time_limit=50, max_retries=3)
def sweep_due_fan_outs() -> int:
    """Send again the fan-outs of visible posts whose task was lost (a broker away when
    the post was published, or retries used up)."""
    return send_again(fan_out_post, services.fan_outs_overdue(), what="overdue fan-outs")


@forum_task("notifications.deliver_batch", soft_time_limit=60)
def deliver_batch(post_id: int, kind: str, recipient_ids: list[int]) -> int:
    post = Post.objects.filter(pk=post_id).first()
    if post is None or post.state != PostState.VISIBLE:
        return 0
    return services.deliver_batch(post=post, kind=kind, recipient_ids=recipient_ids)


@forum_task("notifications.send_digests", soft_time_limit=600, max_retries=3)
def send_digests(frequency: str) -> int:
    """Enqueue one digest per member due for this frequency."""
    from forum.notifications import email

    due = email.digests_due(frequency=frequency)
    for user_id in due:
        send_digest.delay(user_id)
    return len(due)


@forum_task("notifications.send_digest", soft_time_limit=60)
def send_digest(user_id: int) -> int:
    """Safe to repeat: mailed notifications are marked in the same transaction."""
    from forum.accounts.models import User
    from forum.notifications import email

    user = User.objects.filter(pk=user_id, is_active=True).first()
    return email.digest_send(user=user) if user else 0


def _tell_integrators(post: Post) -> None:
    """Webhooks hear of a post when it becomes visible, exactly when members do; the
    event ids make a rerun of this task harmless."""
    from forum.webhooks import payloads
    from forum.webhooks.services import webhook_event

    webhook_event(
        event="post.created",
        event_id=f"post.created:{post.pk}",
        payload=payloads.post_payload(post),
    )
    if post.is_opening_post:
        webhook_event(
            event="thread.created",
            event_id=f"thread.created:{post.thread_id}",
            payload=payloads.thread_payload(post.thread),
        )
