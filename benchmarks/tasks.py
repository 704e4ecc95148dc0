"""The task floor: a task that does nothing, drained through the same worker and Redis
as the moderation checks."""

from celery import shared_task


@shared_task(name="benchmarks.noop", acks_late=True)
def noop(n: int) -> int:
    return n
