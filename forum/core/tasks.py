"""One way to declare a Celery task, so every task gets the reliability rules: an
explicit name, late acknowledgement, retries with back-off on database hiccups (not on
bugs), and time limits.

A task that hangs (a lock wait, a stuck network call) gets SoftTimeLimitExceeded raised
inside it at `soft_time_limit`: its transaction rolls back and it is retried with the same
back-off, up to `max_retries`, so it is neither lost nor left running. One that ignores
that (stuck in C code) is killed at `time_limit` with its worker process; the pool starts
a fresh process and the message is acknowledged as failed rather than requeued, so a task
that always hangs cannot occupy workers forever (the periodic sweeps re-drive moderation
checks and mail; fan-out batches are safe to re-run by hand). See
tests/integration/test_fault_task_time_limits.py.
"""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError, InterfaceError

RETRY_ON = (DatabaseError, InterfaceError, SoftTimeLimitExceeded)


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
