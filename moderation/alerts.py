"""Telling moderators about new work: recording it as it enters the queue (for the
digest, and for webhooks through `events.QueueItemOpened`), and the optional e-mail
digest a moderator may subscribe to. The header's count of open work is a read
(`selectors.open_work_count`); who is told of what is `selectors.queue_alert_recipients`,
and who may act on what is forum.core.permissions' to say."""

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from forum.core import events, permissions
from moderation import selectors
from moderation.models import Appeal, QueueAlert, QueueDigestSubscription, ReviewItem

Source = QueueAlert.Source


def queue_alert_record(
    *, source: str, review_item: ReviewItem | None = None, appeal: Appeal | None = None
) -> QueueAlert | None:
    """Record that `review_item` entered the queue, or gained a `source` it did not have,
    or that the sanction `appeal` was filed; webhooks hear of it once the caller's
    transaction commits. Nothing when it was recorded before for this source, or when a
    moderator has claimed the item already: they are deciding it, nobody needs calling."""
    if review_item is not None and selectors.claimed_by_anyone(review_item):
        return None
    category_id = review_item.post.thread.category_id if review_item is not None else None
    try:
        with transaction.atomic():
            alert = QueueAlert.objects.create(
                review_item=review_item, appeal=appeal, category_id=category_id, source=source
            )
    except IntegrityError:
        return None
    events.publish(
        events.QueueItemOpened(
            alert_id=alert.pk,
            source=source,
            review_item_id=review_item.pk if review_item is not None else None,
            appeal_id=appeal.pk if appeal is not None else None,
            post_id=review_item.post_id if review_item is not None else None,
            category_id=category_id,
            opened_at=alert.created_at,
        )
    )
    return alert


# --- the e-mail digest ------------------------------------------------------------------


def queue_digest_set(*, moderator, enabled: bool) -> bool:
    """Subscribe `moderator` to the queue digest, or unsubscribe them. A new subscription
    starts from now, not from the queue's history. Returns False when nothing changed."""
    if not enabled:
        return bool(QueueDigestSubscription.objects.filter(moderator=moderator).delete()[0])
    permissions.check_can_moderate(moderator)
    _, created = QueueDigestSubscription.objects.get_or_create(moderator=moderator)
    return created


def queue_digests_due(*, now: dt.datetime | None = None) -> list[int]:
    """Ids of the subscribed moderators who may have new work to hear of: an alert
    recorded since their last digest. Whether it is theirs is asked when sending."""
    now = now or timezone.now()
    return list(
        QueueDigestSubscription.objects.filter(moderator__is_active=True)
        .exclude(moderator__email="")
        .filter(
            last_sent_until__lt=QueueAlert.objects.filter(created_at__lte=now)
            .order_by("-created_at")
            .values("created_at")[:1]
        )
        .values_list("moderator_id", flat=True)
    )


def queue_digest_send(*, moderator, now: dt.datetime | None = None) -> int:
    """Mail `moderator` the work that entered the queue since their last digest and is
    still theirs to act on (open, in their scope, claimed by nobody else), and move their
    digest on to `now`, in one transaction holding their subscription: run twice, the
    second finds nothing new. Returns how many items the mail named."""
    now = now or timezone.now()
    with transaction.atomic():
        subscription = (
            QueueDigestSubscription.objects.select_for_update().filter(moderator=moderator).first()
        )
        if subscription is None or subscription.last_sent_until >= now:
            return 0
        alerts = []
        if moderator.email and permissions.is_moderator(moderator):
            alerts = selectors.queue_alerts_for(
                moderator=moderator, since=subscription.last_sent_until, until=now
            )
        subscription.last_sent_until = now
        subscription.save(update_fields=["last_sent_until"])
        if alerts:
            _mail_digest(moderator, alerts)
    return len(alerts)


def _admin_url(alert: QueueAlert) -> str:
    if alert.review_item_id is not None:
        path = reverse("admin:moderation_reviewitem_change", args=[alert.review_item_id])
    else:
        path = reverse("admin:moderation_sanctionappeal_change", args=[alert.appeal_id])
    return f"{settings.PARLEY_SITE_URL}{path}"


def _mail_digest(moderator, alerts: list[QueueAlert]) -> None:
    lines = [(alert.get_source_display(), alert.created_at, _admin_url(alert)) for alert in alerts]
    context = {
        "moderator": moderator,
        "lines": lines,
        "settings_url": f"{settings.PARLEY_SITE_URL}{reverse('web:settings')}",
    }
    count = len(alerts)
    message = EmailMultiAlternatives(
        subject=f"Parley: {count} new item{'s' if count > 1 else ''} in the moderation queue",
        body=render_to_string("moderation/email/queue_digest.txt", context),
        to=[moderator.email],
    )
    message.attach_alternative(
        render_to_string("moderation/email/queue_digest.html", context), "text/html"
    )
    message.send()
