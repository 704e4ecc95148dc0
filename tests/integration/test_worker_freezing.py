"""The helpers that freeze and stop worker processes never leave one stopped: a stopped
process acts on no signal but SIGKILL and SIGCONT, so a worker left stopped would hold its
database transaction and skip its warm shutdown. A small process that handles SIGTERM, as
a Celery worker does, stands in for the worker."""

import subprocess
import sys
import time

import psutil
import pytest

from tests.workers import freeze_when, kill_process_group, stop_celery_worker

# Exits cleanly on SIGTERM (a warm shutdown), like a worker; prints once it is listening.
HANDLES_SIGTERM = """
import signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print("ready", flush=True)
time.sleep(300)
"""


@pytest.fixture
def process():
    child = subprocess.Popen(
        [sys.executable, "-c", HANDLES_SIGTERM],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert child.stdout.readline().strip() == "ready"
    yield child
    if child.poll() is None:
        kill_process_group(child)


def _stopped(process) -> bool:
    return psutil.Process(process.pid).status() == psutil.STATUS_STOPPED


def test_a_predicate_that_fails_while_the_worker_is_stopped_leaves_it_running(process):
    answers = iter([True])

    def in_state() -> bool:
        # The second look, with the worker stopped, fails (a dropped connection, say).
        return next(answers)

    with pytest.raises(StopIteration):
        freeze_when(process, in_state, timeout=5, interval=0.01)

    assert not _stopped(process)


def test_a_stopped_worker_is_shut_down_warmly_and_at_once(process):
    freeze_when(process, lambda: True, timeout=5, interval=0.01)
    assert _stopped(process)

    started = time.monotonic()
    stop_celery_worker(process)

    assert process.returncode == 0  # its SIGTERM handler ran: not SIGKILLed after 20 s
    assert time.monotonic() - started < 10
