"""Reads for webhooks, shaped for their callers."""

import datetime as dt

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from forum.core import permissions
from forum.core.errors import NotFound
from forum.webhooks.events import EVENTS, Audience
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


def webhooks_subscribed(*, event: str, category_id: int | None = None) -> list[Webhook]:
    """Active webhooks subscribed to `event` whose owners may hear it (about something
    in `category_id`, when given)."""
    audience = EVENTS[event].audience
    webhooks = Webhook.objects.filter(
        owner__is_active=True, is_active=True, deleted_at__isnull=True
    ).only("pk", "events", "owner_id")
    if audience != Audience.MEMBERS:
        webhooks = webhooks.filter(permissions.moderator_roles_q(prefix="owner__")).select_related(
            "owner"
        )
    # SQLite cannot look inside a JSON list; there the list is filtered here, which is
    # cheap while each member may own only a handful of webhooks.
    if connection.features.supports_json_field_contains:
        webhooks = webhooks.filter(events__contains=[event])
    webhooks = [webhook for webhook in webhooks if event in webhook.events]
    if audience != Audience.MEMBERS:
        # The exact question, for the few owners that hold a moderator's role.
        webhooks = [
            webhook
            for webhook in webhooks
            if can_receive_event(webhook.owner, event, category_id=category_id)
        ]
    return webhooks


def can_receive_event(owner, event: str, *, category_id: int | None = None) -> bool:
    """Whether a webhook owned by `owner` may be sent `event` now (forum.core.permissions
    decides, by the event's audience)."""
    kind = EVENTS.get(event)
    audience = kind.audience if kind is not None else Audience.MEMBERS
    return permissions.can_receive_event(owner, audience=audience, category_id=category_id)


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
