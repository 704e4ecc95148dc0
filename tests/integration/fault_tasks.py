"""Tasks that only the fault tests register (the worker loads them with --include). They
report each step to a Redis list so the test can see what ran, in which attempt."""

import os
import time

import redis
from celery.exceptions import SoftTimeLimitExceeded

from forum.core.tasks import forum_task


def _journal(key: str, entry: str) -> None:
    redis.Redis.from_url(os.environ["REDIS_URL"]).rpush(key, entry)


@forum_task("tests.hang_on_first_attempt", soft_time_limit=2, time_limit=6, bind=True)
def hang_on_first_attempt(self, key: str) -> str:
    attempt = self.request.retries
    _journal(key, f"start {attempt} pid {os.getpid()}")
    if attempt == 0:
        time.sleep(300)  # hangs, as a stuck lock wait or network call would
    _journal(key, f"done {attempt}")
    return "done"


@forum_task("tests.ignore_the_soft_limit", soft_time_limit=1, time_limit=3, bind=True)
def ignore_the_soft_limit(self, key: str) -> str:
    _journal(key, f"start pid {os.getpid()}")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            time.sleep(300)
        except SoftTimeLimitExceeded:
            _journal(key, "ignored the soft limit")
    _journal(key, "done")
    return "done"


@forum_task("tests.record", soft_time_limit=5)
def record(key: str, entry: str) -> str:
    _journal(key, f"{entry} pid {os.getpid()}")
    return entry
