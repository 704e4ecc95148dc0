"""Celery tasks for moderation. Thin: ids in, a service call, safe to repeat."""

from forum.core.tasks import forum_task, send_again
from moderation import pipeline, services


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
