"""Fixtures of the notification tests."""

import pytest


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Run a write and the after-commit work it queued (checks and fan-out)."""

    def run(write, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(*args, **kwargs)

    return run
