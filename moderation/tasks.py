"""Celery tasks for moderation. Thin: ids in, a service call, safe to repeat."""

from forum.accounts.models import User
from forum.core.tasks import forum_task, send_again
from moderation import alerts, pipeline, services


@forum_task("moderation.check_post_revision", soft_time_limit=30)
def check_post_revision(revision_id: int) -> str:
    """Check the revision, and with it other revisions waiting for a check, so that a
    burst of posts is checked in batches that share their queries."""
    return pipeline.revision_check_with_backlog(revision_id=revision_id)


@forum_task("moderation.sweep_unchecked_revisions", soft_time_limit=50, max_retries=3)
def sweep_unchecked_revisions() -> int:
    """Re-enqueue revisions left unchecked, for example while the broker was down."""
    return send_again(
        check_post_revision, services.unchecked_revision_ids(), what="unchecked revisions"
    )


@forum_task("moderation.expire_sanctions", soft_time_limit=50, max_retries=3)
def expire_sanctions() -> int:
    return services.sanctions_expire()


@forum_task("moderation.send_queue_digests", soft_time_limit=50, max_retries=3)
def send_queue_digests() -> int:
    """Enqueue one queue digest per subscribed moderator with new work to hear of. Runs
    once per QUEUE_DIGEST_SECONDS, so each digest gathers that interval's work."""
    due = alerts.queue_digests_due()
    for moderator_id in due:
        send_queue_digest.delay(moderator_id)
    return len(due)


@forum_task("moderation.send_queue_digest", soft_time_limit=60)
def send_queue_digest(moderator_id: int) -> int:
    """Safe to repeat: the digest moves the moderator's subscription on in the same
    transaction as it mails."""
    moderator = User.objects.filter(pk=moderator_id, is_active=True).first()
    return alerts.queue_digest_send(moderator=moderator) if moderator else 0
