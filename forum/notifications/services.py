"""Writes for notifications: watching, the exactly-once delivery of a fan-out batch, direct
notifications of moderation outcomes, marking read."""

import itertools

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from forum.accounts import services as account_services
from forum.accounts.selectors import active_member_named
from forum.notifications import selectors
from forum.notifications.kinds import KINDS
from forum.notifications.models import (
    CategoryWatch,
    Delivery,
    Notification,
    ThreadWatch,
    WatchLevel,
)

BATCH_SIZE = 2000


def watch_set(*, user, level: str, thread=None, category=None) -> bool:
    """Set `user`'s watch level on a thread or a category. Returns False if unchanged."""
    if level not in WatchLevel.values:
        from forum.core.errors import ValidationFailed

        raise ValidationFailed.for_field(
            "level", f"Choose one of: {', '.join(WatchLevel.values)}.", code="invalid_choice"
        )
    model, target = (
        (ThreadWatch, {"thread": thread}) if thread else (CategoryWatch, {"category": category})
    )
    watch, created = model.objects.get_or_create(user=user, **target, defaults={"level": level})
    if created or watch.level == level:
        return created
    model.objects.filter(pk=watch.pk).update(level=level, updated_at=timezone.now())
    return True


def watch_auto(*, user, thread) -> None:
    """Members watch threads they start or reply to, unless they chose otherwise (a
    muted or lowered watch stays as they set it) or turned the preference off."""
    if user.auto_watch_threads:
        # One INSERT that does nothing when a watch exists, whatever its level: cheaper
        # than looking first, and a reply adds it often.
        ThreadWatch.objects.bulk_create(
            [ThreadWatch(user=user, thread=thread, level=WatchLevel.WATCHING)],
            ignore_conflicts=True,
        )


def deliver_batch(*, post, kind: str, recipient_ids: list[int]) -> int:
    """Notify `recipient_ids` of `post` as `kind`, each at most once ever: a delivery row
    per (recipient, post) is inserted first and only members not yet told get (or have
    folded into) a notification. One transaction, so a retried or duplicated batch, or
    one cut short by a crash, never duplicates or loses one. Returns how many members
    were newly told."""
    if not recipient_ids:
        return 0
    notification_kind = KINDS[kind]
    values = {
        # By recipient: batches of two posts in one thread fold into the same unread
        # notifications, and take those rows in one order (forum.threads.services, "Lock
        # order").
        "ids": sorted(recipient_ids),
        "event": f"post:{post.pk}",
        "kind": kind,
        "actor": post.author_id,
        "thread": post.thread_id,
        "post": post.pk,
        "key": (
            f"{kind}:thread:{post.thread_id}"
            if notification_kind.collapses
            else f"{kind}:post:{post.pk}"
        ),
        "now": timezone.now(),
    }
    return _deliver(values)


def reaction_notify(*, post_id: int, thread_id: int, author_id: int, actor_id: int, kind: str):
    """Tell `author_id` that `actor_id` reacted to their post with `kind`: once ever per
    member, post and kind (taking a reaction back and giving it again tells nobody twice),
    folded into one unread notification per post with a count. Nobody hears of their own
    doing, nor of a member they muted, nor of a thread or category they muted. Returns
    whether the author was told."""
    if actor_id == author_id or not selectors.hears_of_reaction(
        recipient_id=author_id, actor_id=actor_id, thread_id=thread_id
    ):
        return False
    values = {
        "ids": [author_id],
        "event": f"reaction:{post_id}:{actor_id}:{kind}",
        "kind": "reaction",
        "actor": actor_id,
        "thread": thread_id,
        "post": post_id,
        "key": f"reaction:post:{post_id}",
        "now": timezone.now(),
    }
    return _deliver(values) > 0


def _deliver(values: dict) -> int:
    """Record the deliveries of `values["event"]` to `values["ids"]` and write (or fold
    into) a notification for each member not told of it before; see `deliver_batch`."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_DELIVER_POSTGRESQL, values)
            return cursor.rowcount
        return _deliver_portable(cursor, values)


# One round trip: the recipients travel as one array, the deliveries that were new feed
# the notification upsert directly, and nothing comes back to Python.
_DELIVER_POSTGRESQL = """
WITH fresh AS (
    INSERT INTO notifications_delivery (recipient_id, event_key, created_at)
    SELECT recipient, %(event)s, %(now)s FROM unnest(%(ids)s::bigint[]) AS recipient
    ON CONFLICT (recipient_id, event_key) DO NOTHING
    RETURNING recipient_id
)
INSERT INTO notifications_notification
    (recipient_id, kind, actor_id, thread_id, post_id, collapse_key, count, created_at,
     updated_at)
SELECT recipient_id, %(kind)s, %(actor)s, %(thread)s, %(post)s, %(key)s, 1, %(now)s, %(now)s
FROM fresh
ON CONFLICT (recipient_id, collapse_key) WHERE read_at IS NULL DO UPDATE SET
    count = notifications_notification.count + 1, post_id = excluded.post_id,
    actor_id = excluded.actor_id, updated_at = excluded.updated_at
"""


def _deliver_portable(cursor, values: dict) -> int:
    """The same in two statements, for SQLite (no data-changing CTEs)."""
    ids = values["ids"]
    rows = ", ".join(["(%s, %s, %s)"] * len(ids))
    cursor.execute(
        f"INSERT INTO notifications_delivery (recipient_id, event_key, created_at) "  # noqa: S608
        f"VALUES {rows} ON CONFLICT (recipient_id, event_key) DO NOTHING "
        f"RETURNING recipient_id",
        list(itertools.chain.from_iterable((rid, values["event"], values["now"]) for rid in ids)),
    )
    fresh = [row[0] for row in cursor.fetchall()]
    if not fresh:
        return 0
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s, 1, %s, %s)"] * len(fresh))
    row = (
        values["kind"],
        values["actor"],
        values["thread"],
        values["post"],
        values["key"],
        values["now"],
        values["now"],
    )
    cursor.execute(
        "INSERT INTO notifications_notification "  # noqa: S608
        "(recipient_id, kind, actor_id, thread_id, post_id, collapse_key, count, "
        f"created_at, updated_at) VALUES {rows} "
        "ON CONFLICT (recipient_id, collapse_key) WHERE read_at IS NULL DO UPDATE SET "
        "count = notifications_notification.count + 1, post_id = excluded.post_id, "
        "actor_id = excluded.actor_id, updated_at = excluded.updated_at",
        list(itertools.chain.from_iterable((rid, *row) for rid in fresh)),
    )
    return len(fresh)


def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark some (or, without `ids`, all) of `user`'s unread notifications read."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def notify_direct(
    *,
    recipient_id: int,
    kind: str,
    event: str,
    post_id: int | None = None,
    thread_id: int | None = None,
    actor_id: int | None = None,
    outcome: str = "",
    reason: str = "",
    replaces: str = "",
    sequence: int | None = None,
    emailed: bool = False,
) -> bool:
    """Tell one member about `event` on a post or a thread (a moderation outcome), or on
    their account (neither given), once per event. Unlike fan-out notifications these
    concern content the member may no longer be able to see (their own removed post), so
    they are shown whatever the post's state. `actor_id` is the moderator who decided
    (None: an automatic check), `outcome` and `reason` what happened and why. With
    `replaces` (a key naming what it is about, such as one post's decisions), an unread
    notification under that key is replaced by this one: a post held and then approved
    is one notification saying it was approved. With `sequence` (where the event stands
    among those under `replaces`, such as the deciding log entry's id), only a newer
    event replaces one, and one older than a notification already given (read or not)
    is dropped: "held" delivered late never replaces "approved". `emailed` for one the
    caller mails itself, so no digest repeats it. Returns whether the member was told."""
    now = timezone.now()
    subject = post_id or thread_id
    key = (f"{event}:{subject}" if subject else event)[:64]
    fields = {
        "kind": kind,
        "actor_id": actor_id,
        "thread_id": thread_id,
        "post_id": post_id,
        "outcome": outcome,
        "reason": reason[:500],
        "sequence": sequence,
        "updated_at": now,
        "emailed_at": now if emailed else None,
    }
    with transaction.atomic():
        _, created = Delivery.objects.get_or_create(
            recipient_id=recipient_id, event_key=key, defaults={"created_at": now}
        )
        if not created:
            return False
        collapse_key = replaces[:64] or key
        told = Notification.objects.filter(recipient_id=recipient_id, collapse_key=collapse_key)
        unread = told.filter(read_at__isnull=True)
        if sequence is not None:
            if told.filter(sequence__gte=sequence).exists():
                return False
            # Checked again as the row is written, should a newer event land meanwhile.
            unread = unread.filter(Q(sequence__isnull=True) | Q(sequence__lt=sequence))
        replaced = unread.update(**fields)
        if not replaced:
            Notification.objects.create(
                recipient_id=recipient_id, collapse_key=collapse_key, created_at=now, **fields
            )
    return True


def mute_set(*, user, username: str, muted: bool) -> bool:
    """Mute or unmute the member called `username` for `user`. Returns False when
    nothing changed; an unknown member is NotFound, muting oneself a clear error."""
    from forum.core.errors import NotFound, ValidationFailed
    from forum.notifications.models import UserMute

    other = active_member_named(username)
    if other is None:
        raise NotFound("No such member.")
    if other.pk == user.pk:
        raise ValidationFailed.for_field("username", "You cannot mute yourself.", code="self")
    with transaction.atomic():
        if muted:
            _, changed = UserMute.objects.get_or_create(user=user, muted=other)
        else:
            changed = bool(UserMute.objects.filter(user=user, muted=other).delete()[0])
        if changed:
            account_services.member_muting_changed(user=user, by=1 if muted else -1)
    return changed


def mutes_of(*, user) -> list[str]:
    from forum.notifications.models import UserMute

    return list(
        UserMute.objects.filter(user=user)
        .order_by("muted__username")
        .values_list("muted__username", flat=True)
    )
