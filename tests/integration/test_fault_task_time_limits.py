"""A task that hangs hits its time limit and is retried, instead of running forever; one
that ignores its soft limit is killed at the hard limit and the worker carries on.
A real prefork worker (time limits are enforced by the pool) runs test-only tasks."""

import os
import time
import uuid

import pytest
import redis
from django.conf import settings

from forum.celery import app
from tests.integration import fault_tasks
from tests.workers import (
    start_celery_worker,
    stop_celery_worker,
    tasks_through_broker,
    wait_for,
    worker_env,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def prefork_worker(transactional_db, tmp_path):
    env = worker_env()
    app.control.purge()
    log = tmp_path / "worker.log"
    process = start_celery_worker(
        env,
        f"limits-{os.getpid()}@127.0.0.1",
        log,
        pool="prefork",
        include="tests.integration.fault_tasks",
    )
    with tasks_through_broker():
        try:
            yield {"process": process, "log": log}
        finally:
            stop_celery_worker(process)


@pytest.fixture
def journal():
    client = redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)
    key = f"parley-test-journal-{uuid.uuid4().hex}"
    yield lambda: client.lrange(key, 0, -1), key
    client.delete(key)


def test_a_hung_task_is_cut_at_its_soft_limit_and_retried(prefork_worker, journal):
    read, key = journal
    started = time.monotonic()
    fault_tasks.hang_on_first_attempt.delay(key)

    entries = wait_for(lambda: (e := read()) and e[-1] == "done 1" and e, timeout=60)
    elapsed = time.monotonic() - started

    assert [e.split(" pid")[0] for e in entries] == ["start 0", "start 1", "done 1"]
    assert elapsed < 30, "the hung attempt was not cut at its 2 s soft limit"
    log = prefork_worker["log"].read_text()
    assert "Soft time limit (2s) exceeded for tests.hang_on_first_attempt" in log
    assert "retry" in log.lower()


def test_a_task_ignoring_its_soft_limit_is_killed_at_the_hard_limit(prefork_worker, journal):
    read, key = journal
    fault_tasks.ignore_the_soft_limit.delay(key)
    fault_tasks.record.delay(key, "next task")

    entries = wait_for(lambda: (e := read()) and e[-1].startswith("next task") and e, timeout=60)

    assert entries[0].startswith("start pid")
    assert "ignored the soft limit" in entries
    assert "done" not in entries, "the stuck task ran to its end"
    stuck_pid = entries[0].split("pid ")[1]
    next_pid = entries[-1].split("pid ")[1]
    assert next_pid != stuck_pid, "the stuck process was not replaced"
    assert "Hard time limit (3s) exceeded for tests.ignore_the_soft_limit" in (
        prefork_worker["log"].read_text()
    )
    assert prefork_worker["process"].poll() is None  # the worker itself carries on
