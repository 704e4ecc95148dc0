"""Writes for moderation."""

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone

from forum.threads.models import PostRevision

logger = logging.getLogger(__name__)


def revision_check(*, revision_id: int) -> str:
    """Run the automatic checks for one post revision and record that it was checked.

    Safe to call any number of times: a revision is marked checked once, by a guarded
    UPDATE, and a revision already checked (or deleted since) is skipped. Returns what
    happened: "checked", "already_checked" or "missing".

    The rule kinds, their verdicts and the combined outcome come with the moderation
    pipeline; until then a checked revision keeps the state its post was given at submit
    time (pre-moderated members and categories stay pending for a human).
    """
    revision = PostRevision.objects.filter(pk=revision_id).only("pk", "checked_at").first()
    if revision is None:
        return "missing"
    if revision.checked_at is not None:
        return "already_checked"
    updated = PostRevision.objects.filter(pk=revision_id, checked_at__isnull=True).update(
        checked_at=timezone.now()
    )
    return "checked" if updated else "already_checked"


def unchecked_revision_ids(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """Revisions still unchecked after the grace period, oldest first."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.PARLEY["UNCHECKED_REVISION_GRACE_SECONDS"])
    return list(
        PostRevision.objects.filter(checked_at__isnull=True, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
