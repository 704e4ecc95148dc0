"""One way to declare a Celery task, so every task gets the reliability rules: an
explicit name, late acknowledgement, retries with back-off on database hiccups (not on
bugs), and time limits.

A task that hangs (a lock wait, a stuck network call) gets SoftTimeLimitExceeded raised
inside it at `soft_time_limit`: its transaction rolls back and it is retried with the same
back-off, up to `max_retries`, so it is neither lost nor left running. One that ignores
that (stuck in C code) is killed at `time_limit` with its worker process; the pool starts
a fresh process and the message is acknowledged as failed rather than requeued, so a task
that always hangs cannot occupy workers forever (the periodic sweeps re-drive moderation
checks, fan-out tasks and mail; a delivery batch is safe to re-run by hand). See
tests/integration/test_fault_task_time_limits.py.
"""

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError, InterfaceError

from forum.core import events

RETRY_ON = (DatabaseError, InterfaceError, SoftTimeLimitExceeded)

logger = logging.getLogger(__name__)


def forum_task(name: str, *, soft_time_limit: int = 30, time_limit: int | None = None, **options):
    defaults = {
        "acks_late": True,
        "autoretry_for": RETRY_ON,
        "retry_backoff": 2,
        "retry_backoff_max": 300,
        "retry_jitter": True,
        "max_retries": 10,
        "soft_time_limit": soft_time_limit,
        "time_limit": time_limit or soft_time_limit + 15,
    }
    return shared_task(name=name, **{**defaults, **options})


def send_again(task, object_ids: list[int], *, what: str) -> int:
    """A sweep's work: enqueue `task` once for each of `object_ids` (work whose first
    task was lost), and log how many `what` were sent again."""
    for object_id in object_ids:
        task.delay(object_id)
    if object_ids:
        logger.info("Re-enqueued %d %s", len(object_ids), what)
    return len(object_ids)


# --- sending several tasks at once -----------------------------------------------------

# The producer of the innermost open `sent_together` block, and what was sent through it.
_batch: ContextVar[tuple[Any, list] | None] = ContextVar("parley_task_batch", default=None)


def send(task, *args) -> None:
    """`task.delay(*args)`; inside `sent_together`, its message waits to go with the
    others."""
    batch = _batch.get()
    if batch is None:
        task.delay(*args)
        return
    producer, sent = batch
    task.apply_async(args, producer=producer)
    sent.append((task, args))


@contextmanager
def sent_together():
    """The task messages `send` sends in this block reach the broker in one round trip
    (kombu's publish batch: one Redis pipeline) when the block ends, rather than one
    round trip each. Should that fail, each is sent again on its own, with the usual
    retry policy: a task may then arrive twice, which every task is written to survive.
    In eager mode (no broker) tasks run as they are sent."""
    from celery import current_app
    from kombu import Producer

    if (
        current_app.conf.task_always_eager
        or _batch.get() is not None
        or not hasattr(Producer, "batch")  # before kombu 5.7
    ):
        yield
        return
    sent: list = []
    finished = False
    try:
        with current_app.producer_or_acquire() as producer, producer.batch():
            token = _batch.set((producer, sent))
            try:
                yield
            finally:
                _batch.reset(token)
            finished = True
    except Exception as exc:
        # An aborted batch drops what it held, and a failed one may or may not have
        # delivered it: send each again.
        logger.warning("Sending %d task(s) together failed (%s); sending each", len(sent), exc)
        for task, args in sent:
            task.delay(*args)
        if not finished:
            raise


# --- domain events -----------------------------------------------------------------------


@forum_task("core.dispatch_overdue_events", soft_time_limit=50, max_retries=3)
def dispatch_overdue_events() -> int:
    """Tell again the stored domain events whose subscribers were not all told."""
    return events.dispatch_overdue()
