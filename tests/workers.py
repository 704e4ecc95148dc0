"""Celery worker processes for integration tests: their environment, and starting,
stopping, killing and freezing them. Kept out of conftest.py so that the tests and the
conftest share one module (pytest loads conftest.py under a name of its own), and with
it the list of workers this run started."""

import contextlib
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from benchmarks.servers import celery_command, celery_worker_command

ROOT = Path(__file__).resolve().parent.parent

# The name of every worker started in this run, for the summary at the end.
started: list[str] = []


def _database_url_for_test_db() -> str:
    from django.db import connection

    settings_dict = connection.settings_dict
    return (
        f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD']}@"
        f"{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}/"
        f"{settings_dict['NAME']}"
    )


def worker_env(**extra: str) -> dict[str, str]:
    """The environment of a worker process against the test database and the real Redis."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "forum.settings.test",
        "DATABASE_URL": _database_url_for_test_db(),
        "PARLEY_CELERY_EAGER": "false",
        "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def _worker_answers(env: dict, name: str) -> bool:
    result = subprocess.run(
        celery_command("inspect", "ping", "-d", name, "--timeout", "2"),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    return result.returncode == 0 and "pong" in result.stdout


@contextlib.contextmanager
def tasks_through_broker():
    """This process enqueues through Redis, for a worker process, instead of running
    tasks in-process."""
    from forum.celery import app

    app.conf.task_always_eager = False
    try:
        yield
    finally:
        app.conf.task_always_eager = True


@contextlib.contextmanager
def tasks_sent_to(broker_url: str):
    """This process sends its tasks to `broker_url` (and not in-process). The app keeps
    one connection pool, and a producer pool over it, for the URL it first sent to: both
    are dropped so that the next message goes to `broker_url`, and again at the end so
    that the following test sends to the configured broker."""
    from forum.celery import app

    def send_to(url: str) -> None:
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    previous = app.conf.broker_url
    send_to(broker_url)
    try:
        with tasks_through_broker():
            yield
    finally:
        send_to(previous)


def stop_celery_worker(process: subprocess.Popen) -> None:
    """A warm shutdown, or SIGKILL if it takes longer than 20 s. A worker a test left
    stopped (freeze_when) is continued after the SIGTERM: stopped, it would act on it
    only when killed, holding its transaction open until then."""
    if process.poll() is not None:
        return
    process.terminate()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGCONT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        kill_process_group(process)


def start_celery_worker(
    env: dict[str, str], name: str, log: Path, *, pool: str = "solo", include: str = ""
):
    """A `celery worker` in a process group of its own (so SIGKILL takes all of it), returned
    once it answers a ping."""
    process = subprocess.Popen(
        celery_worker_command(name, pool=pool, loglevel="INFO", include=include),
        env=env,
        cwd=ROOT,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not _worker_answers(env, name):
        if process.poll() is not None or time.monotonic() > deadline:
            kill_process_group(process)
            raise RuntimeError("The Celery worker did not start:\n" + log.read_text())
        time.sleep(0.3)
    started.append(name)
    return process


def settled_task_results(log: Path, task: str) -> list[str] | None:
    """What each run of `task` returned, in order, as a worker logging at INFO wrote it
    to `log` (the proof that it was that worker that ran them); None until there is one
    and every run the worker has received has logged its result. A run's writes commit a
    moment before its result is logged: a test that has seen them polls this with
    `wait_for`."""
    text = log.read_text()
    name = re.escape(task)
    results = re.findall(rf"Task {name}\[[^\]]+\] succeeded in [\d.]+s: (.+)", text)
    received = re.findall(rf"Task {name}\[[^\]]+\] received", text)
    return results if results and len(results) == len(received) else None


def kill_process_group(process: subprocess.Popen) -> None:
    """SIGKILL: no warm shutdown, no acknowledgement, no rollback by the worker itself."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def _wait_until_stopped(process: subprocess.Popen, timeout: float = 5.0) -> None:
    """SIGSTOP is delivered asynchronously: a process running on another core can go on
    for a moment after `killpg` returns. Wait until the kernel reports the process and its
    children stopped, so that what is looked at next cannot change under the look."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            leader = psutil.Process(process.pid)
            members = [leader, *leader.children(recursive=True)]
            if all(
                member.status() in (psutil.STATUS_STOPPED, psutil.STATUS_ZOMBIE)
                for member in members
            ):
                return
        except psutil.NoSuchProcess:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"process {process.pid} did not stop within {timeout}s of SIGSTOP")
        time.sleep(0.001)


def freeze_when(process: subprocess.Popen, predicate, *, timeout: float, interval: float) -> None:
    """Stop `process`'s whole group (SIGSTOP) at a moment `predicate` holds, and return with
    it stopped.

    A predicate polled while the worker runs can be stale by the time the test acts on it: a
    check or a batch may commit and be acknowledged in between. So the worker is stopped
    first and the predicate asked again; if it no longer holds, the worker goes on (SIGCONT)
    and polling resumes. What the predicate saw is then what a kill will find."""

    def stopped_in_state() -> bool:
        if not predicate():
            return False
        os.killpg(process.pid, signal.SIGSTOP)
        holds = False
        try:
            _wait_until_stopped(process)
            holds = predicate()
        finally:
            # Also when the predicate raises: the test fails, and not a worker stopped.
            if not holds:
                os.killpg(process.pid, signal.SIGCONT)
        return holds

    stopped_in_state.__name__ = predicate.__name__
    wait_for(stopped_in_state, timeout=timeout, interval=interval)


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.2):
    """Poll `predicate` until it returns something truthy, or fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"Timed out after {timeout}s waiting for {predicate.__name__}")
