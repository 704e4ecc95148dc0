"""The Celery app. Workers: `celery -A forum worker`; periodic sweeps: `celery -A forum beat`."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forum.settings.dev")

app = Celery("forum")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(
    [
        "moderation",
        "forum.core",
        "forum.accounts",
        "forum.threads",
        "forum.notifications",
        "forum.webhooks",
    ]
)


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(sender=None, **kwargs) -> None:
    """Treat each task as Django treats a request: before and after it, close a database
    connection that broke or outlived DB_CONN_MAX_AGE, and keep a healthy one for the
    next task (CELERY_DB_REUSE_MAX stops Celery closing every one). Not for a task run
    in-process, which shares its caller's connection and transaction."""
    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
