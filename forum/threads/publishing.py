"""The record of which visible posts still have their fan-out to go (`Post.fan_out_due_at`),
kept so that a fan-out whose task was lost is sent again by a sweep."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from forum.threads.models import Post, PostState


def fan_out_done(*, post_id: int, due: dt.datetime | None) -> bool:
    """Mark the fan-out asked for at `due` done. A fan-out asked for again since (the
    post published anew, or sent again by the sweep) has a later time and stays due, so
    its own task is not lost to this one's finishing."""
    if due is None:
        return False
    return bool(Post.objects.filter(pk=post_id, fan_out_due_at=due).update(fan_out_due_at=None))


# A visible post in a thread readers cannot see (hidden, pending, removed or deleted):
# its fan-out waits, still due, until the thread is back or the post is moved out of it.
_WAITING_FOR_ITS_THREAD = Q(state=PostState.VISIBLE, deleted_at__isnull=True) & (
    ~Q(thread__state=PostState.VISIBLE) | Q(thread__is_deleted=True)
)


def fan_outs_overdue(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """The posts whose fan-out was asked for more than FAN_OUT_GRACE_SECONDS ago and is
    not done (its task was lost), oldest first, leaving those waiting for their thread to
    be public. Each is taken for another grace period: its due time moves to `now`, so a
    sweep every minute sends it once per period, not once a minute while a long queue
    holds the first copy."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.PARLEY["FAN_OUT_GRACE_SECONDS"])
    with transaction.atomic():
        post_ids = list(
            Post.objects.filter(fan_out_due_at__lte=cutoff)
            .exclude(_WAITING_FOR_ITS_THREAD)
            .order_by("fan_out_due_at")
            .select_for_update(skip_locked=True, no_key=True, of=("self",))
            .values_list("pk", flat=True)[:limit]
        )
        Post.objects.filter(pk__in=post_ids).update(fan_out_due_at=now)
    return post_ids
