"""Reads for webhooks, shaped for their callers."""

import datetime as dt

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from forum.core.errors import NotFound
from forum.webhooks import permissions
from forum.webhooks.models import Webhook, WebhookDelivery


def webhook_list(*, user) -> QuerySet[Webhook]:
    """`user`'s webhooks, newest first, deleted ones left out."""
    permissions.check_can_manage_webhooks(user)
    return Webhook.objects.filter(owner=user, deleted_at__isnull=True).order_by(
        "-created_at", "-pk"
    )


def webhook_get(*, user, pk: int) -> Webhook:
    """One of `user`'s webhooks; NotFound for anyone else's, so ids reveal nothing."""
    permissions.check_can_manage_webhooks(user)
    webhook = Webhook.objects.filter(pk=pk).first()
    if webhook is None:
        raise NotFound("No such webhook.")
    permissions.check_can_manage_webhook(user, webhook)
    return webhook


def delivery_list(*, webhook: Webhook) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(webhook=webhook)


def webhooks_subscribed(*, event: str) -> list[Webhook]:
    """Active webhooks subscribed to `event` whose owners may hear it."""
    webhooks = Webhook.objects.filter(
        permissions.owners_who_may_receive_q(event),
        is_active=True,
        deleted_at__isnull=True,
    ).only("pk", "events")
    # SQLite cannot look inside a JSON list; there the list is filtered here, which is
    # cheap while each member may own only a handful of webhooks.
    if connection.features.supports_json_field_contains:
        webhooks = webhooks.filter(events__contains=[event])
    return [webhook for webhook in webhooks if event in webhook.events]


def deliveries_overdue(*, older_than: dt.timedelta, limit: int) -> list[int]:
    """Pending deliveries whose attempt is overdue by more than `older_than`: their task
    was lost (broker down, worker killed mid-attempt after its lease ran out)."""
    cutoff = timezone.now() - older_than
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=cutoff
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
