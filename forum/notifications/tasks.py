"""Notification tasks: ids in, safe to run twice."""

from forum.accounts.models import User
from forum.core.tasks import forum_task
from forum.notifications import email, services
from forum.threads.models import Post, PostState


@forum_task("notifications.deliver_batch", soft_time_limit=60)
def deliver_batch(post_id: int, kind: str, recipient_ids: list[int]) -> int:
    post = Post.objects.filter(pk=post_id).first()
    if post is None or post.state != PostState.VISIBLE:
        return 0
    return services.deliver_batch(post=post, kind=kind, recipient_ids=recipient_ids)


@forum_task("notifications.send_digests", soft_time_limit=600, max_retries=3)
def send_digests(frequency: str) -> int:
    """Enqueue one digest per member due for this frequency."""
    due = email.digests_due(frequency=frequency)
    for user_id in due:
        send_digest.delay(user_id)
    return len(due)


@forum_task("notifications.send_digest", soft_time_limit=60)
def send_digest(user_id: int) -> int:
    """Safe to repeat: mailed notifications are marked in the same transaction."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    return email.digest_send(user=user) if user else 0
