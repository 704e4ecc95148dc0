"""The Celery app for the benchmark's worker: the product's app, plus the no-op floor
task. `celery -A benchmarks.worker worker`."""

from benchmarks import tasks  # noqa: F401  (registers benchmarks.noop)
from forum.celery import app

__all__ = ["app"]
