"""The Celery app. Workers: `celery -A forum worker`; periodic sweeps: `celery -A forum beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forum.settings.dev")

app = Celery("forum")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["moderation", "forum.accounts", "forum.notifications", "forum.webhooks"])
