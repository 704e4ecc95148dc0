"""Celery tasks for moderation. Thin: ids in, a service call, safe to repeat."""

import logging

from celery import shared_task
from django.db import DatabaseError, InterfaceError

from moderation import services

logger = logging.getLogger(__name__)

# Database hiccups are worth retrying; a bug is not.
_RETRY_ON = (DatabaseError, InterfaceError)


@shared_task(
    name="moderation.check_post_revision",
    acks_late=True,
    autoretry_for=_RETRY_ON,
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=10,
    soft_time_limit=30,
    time_limit=45,
)
def check_post_revision(revision_id: int) -> str:
    return services.revision_check(revision_id=revision_id)


@shared_task(
    name="moderation.sweep_unchecked_revisions",
    acks_late=True,
    autoretry_for=_RETRY_ON,
    retry_backoff=5,
    max_retries=3,
    soft_time_limit=50,
    time_limit=60,
)
def sweep_unchecked_revisions() -> int:
    """Re-enqueue revisions left unchecked, for example while the broker was down."""
    revision_ids = services.unchecked_revision_ids()
    for revision_id in revision_ids:
        check_post_revision.delay(revision_id)
    if revision_ids:
        logger.info("Re-enqueued %d unchecked revisions", len(revision_ids))
    return len(revision_ids)
