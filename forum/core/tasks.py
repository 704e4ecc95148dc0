"""One way to declare a Celery task, so every task gets the reliability rules: an
explicit name, late acknowledgement, retries with back-off on database hiccups (not on
bugs), and time limits."""

from celery import shared_task
from django.db import DatabaseError, InterfaceError

RETRY_ON = (DatabaseError, InterfaceError)


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
