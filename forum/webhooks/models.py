from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Webhook(models.Model):
    """An integrator's endpoint and the events it wants. `secret` signs every delivery;
    the API shows it once, in the response that creates the webhook."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.CharField(max_length=500)
    secret = models.CharField(max_length=64)
    events = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    # Failed attempts since the last success, across deliveries; a long run disables it.
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    # Deleting keeps the row so that its deliveries stay on record.
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="webhook_owner_recent"),
        ]

    def __str__(self) -> str:
        return f"Webhook {self.pk} of {self.owner_id} to {self.url}"


class WebhookDelivery(models.Model):
    """One event for one webhook, and how sending it went. The unique (webhook, event_id)
    makes an event announced twice a single delivery."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        # Refused without retrying: the URL is not one that can ever be sent to.
        FAILED = "failed", "Failed"
        # Retried as often as we retry, or its webhook was disabled or deleted first.
        ABANDONED = "abandoned", "Abandoned"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    event_id = models.CharField(max_length=100)
    # The encoder stores dates and decimals as strings, as the receiver will get them.
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    # The category the event is about, for events only its moderators may hear: asked
    # again before each attempt, as the owner's standing is.
    category_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    # When a pending delivery may next be tried; while an attempt runs, the end of its lease.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["webhook", "event_id"], name="webhook_delivery_once")
        ]
        indexes = [
            models.Index(fields=["webhook", "-created_at"], name="webhook_delivery_recent"),
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhook_delivery_due",
            ),
        ]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} ({self.event_id}) to webhook {self.webhook_id}"
