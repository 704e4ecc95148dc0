"""Delivery tasks: ids in, safe to run twice (a delivery that is not pending and due is
skipped), retried on their own schedule kept in the database."""

import logging

from forum.core.tasks import forum_task
from forum.webhooks import selectors, services

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500


@forum_task("webhooks.deliver", soft_time_limit=30)
def deliver(delivery_id: int) -> str:
    """Attempt one delivery; if it failed and may be retried, enqueue the retry for when
    its back-off is over. The row's `next_attempt_at` is the schedule, not this message:
    if the retry is lost, the sweep sends it, and an early or duplicate message is
    skipped by the claim in `delivery_attempt`."""
    outcome = services.delivery_attempt(delivery_id=delivery_id)
    if outcome.retry_in is not None:
        try:
            deliver.apply_async(args=[delivery_id], countdown=outcome.retry_in)
        except Exception:
            # The attempt is recorded; the sweep enqueues the retry once the broker is back.
            logger.exception("Could not enqueue the retry of webhook delivery %s", delivery_id)
    return outcome.status


@forum_task("webhooks.sweep_due_deliveries", soft_time_limit=50, max_retries=3)
def sweep_due_deliveries() -> int:
    """Re-enqueue deliveries whose attempt is well overdue: their message was lost."""
    delivery_ids = selectors.deliveries_overdue(
        older_than=services.ATTEMPT_LEASE * 2, limit=SWEEP_BATCH
    )
    for delivery_id in delivery_ids:
        deliver.delay(delivery_id)
    if delivery_ids:
        logger.info("Re-enqueued %d overdue webhook deliveries", len(delivery_ids))
    return len(delivery_ids)
