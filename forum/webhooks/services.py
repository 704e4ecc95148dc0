"""Writes for webhooks: registering them, announcing events, and attempting a delivery.

Delivery is at least once: a receiver may see a delivery again (a worker that dies after
the POST but before recording it), so receivers dedupe on X-Parley-Delivery or on the
payload's `event_id`. Parley itself never creates two deliveries of one event_id to one
webhook."""

import datetime as dt
import json
import logging
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from forum.core import permissions
from forum.core.errors import Conflict, PermissionDenied, RateLimited, ValidationFailed
from forum.webhooks import selectors, signing, ssrf, transport
from forum.webhooks.events import EVENTS, PING
from forum.webhooks.models import Webhook, WebhookDelivery

logger = logging.getLogger(__name__)

MAX_WEBHOOKS_PER_OWNER = 10
MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 3600
# Longer than the delivery task may run (its hard time limit), so that a lease only
# runs out once the attempt holding it is surely over.
ATTEMPT_LEASE = dt.timedelta(seconds=60)
PING_INTERVAL = dt.timedelta(seconds=10)
DEFAULT_DISABLE_AFTER_FAILURES = 10

Status = WebhookDelivery.Status


def disable_after_failures() -> int:
    return int(getattr(settings, "WEBHOOKS_DISABLE_AFTER_FAILURES", DEFAULT_DISABLE_AFTER_FAILURES))


def retry_delay(attempts: int) -> int:
    """Seconds to wait after the `attempts`-th failed attempt: 30 s, doubling each time,
    never more than an hour."""
    return min(FIRST_RETRY_SECONDS * 2 ** (attempts - 1), MAX_RETRY_SECONDS)


# --- Registering ---------------------------------------------------------------------


def _clean_events(events: list[str]) -> list[str]:
    if not isinstance(events, list) or not events:
        raise ValidationFailed.for_field("events", "Choose at least one event.", code="required")
    unknown = [str(event) for event in events if not isinstance(event, str) or event not in EVENTS]
    if unknown:
        raise ValidationFailed.for_field(
            "events",
            f"Unknown event(s): {', '.join(unknown)}. Choose from: {', '.join(EVENTS)}.",
            code="invalid_choice",
        )
    return list(dict.fromkeys(events))


def _clean_url(url: str) -> str:
    try:
        ssrf.check_literal_address(ssrf.parse(url))
    except ssrf.DestinationRefused as exc:
        raise ValidationFailed.for_field("url", exc.message, code="invalid_url") from exc
    return url


def webhook_create(*, owner, url: str, events: list[str]) -> Webhook:
    """Register a webhook for `owner` with a fresh secret. The secret is on the returned
    object; callers show it once and never again. Host names are not resolved here: the
    address check runs before every attempt, where it counts."""
    permissions.check_can_create_webhook(owner)
    url = _clean_url(url)
    events = _clean_events(events)
    refused = [event for event in events if not selectors.can_receive_event(owner, event)]
    if refused:
        message = f"Only moderators can subscribe to: {', '.join(refused)}."
        raise PermissionDenied(message, code="event_not_allowed", fields={"events": [message]})
    with transaction.atomic():
        # Locking the owner serialises their registrations, so two at once cannot both
        # slip under the limit.
        get_user_model().objects.select_for_update(no_key=True).filter(pk=owner.pk).first()
        kept = Webhook.objects.filter(owner=owner, deleted_at__isnull=True).count()
        if kept >= MAX_WEBHOOKS_PER_OWNER:
            raise ValidationFailed(
                f"You have {MAX_WEBHOOKS_PER_OWNER} webhooks already; delete one first.",
                code="too_many_webhooks",
            )
        return Webhook.objects.create(
            owner=owner, url=url, events=events, secret=signing.secret_generate()
        )


def _abandon_pending(*, webhook_id: int, reason: str) -> int:
    return WebhookDelivery.objects.filter(webhook_id=webhook_id, status=Status.PENDING).update(
        status=Status.ABANDONED, last_error=reason, next_attempt_at=None
    )


def webhook_delete(*, webhook: Webhook) -> bool:
    """Stop `webhook` for good and abandon what it had pending; its deliveries stay on
    record. Returns False if it was deleted already."""
    now = timezone.now()
    with transaction.atomic():
        changed = Webhook.objects.filter(pk=webhook.pk, deleted_at__isnull=True).update(
            is_active=False,
            deleted_at=now,
            disabled_at=now,
            disabled_reason="Deleted by its owner.",
        )
        if changed:
            _abandon_pending(webhook_id=webhook.pk, reason="The webhook was deleted.")
    return bool(changed)


# --- Announcing ----------------------------------------------------------------------


def _after_commit_deliver(delivery_ids: list[int]) -> None:
    from forum.webhooks.tasks import deliver

    for delivery_id in delivery_ids:
        # robust: with the broker down the delivery is stored already and the sweep
        # enqueues it later, so a failed enqueue must not fail the caller's write.
        transaction.on_commit(lambda pk=delivery_id: deliver.delay(pk), robust=True)


def webhook_event(
    *, event: str, event_id: str, payload: dict, category_id: int | None = None
) -> int:
    """Announce `event` to every active webhook subscribed to it whose owner may hear it
    (about something in `category_id`, when given: moderators' events reach only the
    moderators of that category), sending after the caller's transaction commits.
    Returns how many deliveries this call created; an `event_id` already announced to a
    webhook creates nothing more.

    `event_id` names the logical event, unique across time: "post.created:123", and for
    events that can recur, something that tells occurrences apart ("post.hidden:123:<log
    entry id>"). At most 100 characters.

    `payload` is sent as is to people outside the forum, and may be retried for an hour
    after the content it describes was hidden. So it must never carry hidden, pending or
    removed content, nor any text at all: pass ids and public fields (see
    forum.webhooks.payloads), and receivers fetch content through the API, which applies
    visibility at read time. Only announce `post.created`/`thread.created` once the post
    is visible, and `post.hidden`/`post.removed` for posts that were visible."""
    if event not in EVENTS:
        raise ValueError(f"Unknown webhook event {event!r}; add it to forum.webhooks.events.")
    if not event_id or len(event_id) > 100:
        raise ValueError("event_id must be 1 to 100 characters.")
    webhook_ids = [
        webhook.pk
        for webhook in selectors.webhooks_subscribed(event=event, category_id=category_id)
    ]
    if not webhook_ids:
        return 0
    now = timezone.now()
    with transaction.atomic():
        announced = set(
            WebhookDelivery.objects.filter(
                event_id=event_id, webhook_id__in=webhook_ids
            ).values_list("webhook_id", flat=True)
        )
        fresh = [pk for pk in webhook_ids if pk not in announced]
        WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    webhook_id=pk,
                    event=event,
                    event_id=event_id,
                    payload=payload,
                    category_id=category_id,
                    next_attempt_at=now,
                    created_at=now,
                )
                for pk in fresh
            ],
            ignore_conflicts=True,
        )
        # A concurrent announcement of the same event may have won some rows; ours are
        # the ones stamped with our `now`.
        delivery_ids = list(
            WebhookDelivery.objects.filter(
                event_id=event_id, webhook_id__in=fresh, created_at=now
            ).values_list("pk", flat=True)
        )
        _after_commit_deliver(delivery_ids)
    return len(delivery_ids)


def webhook_ping(*, webhook: Webhook) -> WebhookDelivery:
    """Send `webhook` a "ping" event now, to check the receiver and its signature check.
    One ping per PING_INTERVAL, so the endpoint cannot be used to flood a receiver."""
    if not webhook.is_active:
        raise Conflict(
            "This webhook is disabled; create a new one to start again.", code="webhook_disabled"
        )
    now = timezone.now()
    with transaction.atomic():
        Webhook.objects.select_for_update().filter(pk=webhook.pk).first()
        last = (
            WebhookDelivery.objects.filter(webhook=webhook, event=PING)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        if last is not None and now - last < PING_INTERVAL:
            wait = PING_INTERVAL - (now - last)
            raise RateLimited(
                "A ping was sent moments ago; wait before sending another.",
                retry_after=max(1, int(wait.total_seconds()) + 1),
            )
        delivery = WebhookDelivery.objects.create(
            webhook=webhook,
            event=PING,
            event_id=f"ping:{uuid.uuid4().hex}",
            payload={"webhook_id": webhook.pk},
            next_attempt_at=now,
            created_at=now,
        )
        _after_commit_deliver([delivery.pk])
    return delivery


# --- Delivering ----------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptOutcome:
    """What one call of `delivery_attempt` did: a delivery status, or "skipped" when
    the delivery was not pending and due. `retry_in` is set when it is still pending
    and should be tried again that many seconds from now."""

    status: str
    retry_in: int | None = None


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The exact bytes sent (and signed). The same on every attempt of one delivery."""
    envelope = {
        "delivery_id": delivery.pk,
        "event": delivery.event,
        "event_id": delivery.event_id,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode("utf-8")


def delivery_headers(delivery: WebhookDelivery, *, body: bytes, timestamp: int) -> dict:
    return {
        "Content-Type": "application/json",
        "User-Agent": transport.USER_AGENT,
        "X-Parley-Event": delivery.event,
        "X-Parley-Delivery": str(delivery.pk),
        "X-Parley-Signature": signing.signature_header(
            secret=delivery.webhook.secret, timestamp=timestamp, body=body
        ),
    }


def _claim(delivery_id: int, *, now: dt.datetime) -> bool:
    """Take the attempt: only a pending delivery that is due, and only one worker at a
    time (the lease), so duplicate tasks or an early retry never send twice. The
    attempt is counted here, so an attempt that never returns still uses one up."""
    return bool(
        WebhookDelivery.objects.filter(pk=delivery_id, status=Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(next_attempt_at=now + ATTEMPT_LEASE, attempts=F("attempts") + 1)
    )


def _why_undeliverable(delivery: WebhookDelivery) -> str:
    webhook = delivery.webhook
    if not webhook.is_active or webhook.deleted_at is not None:
        return "The webhook was disabled or deleted."
    if not selectors.can_receive_event(
        webhook.owner, delivery.event, category_id=delivery.category_id
    ):
        return "The webhook's owner may no longer receive this event."
    return ""


def delivery_attempt(*, delivery_id: int) -> AttemptOutcome:
    """Make one attempt at a delivery, if it is pending and due, and record how it went.

    Before sending, the URL's host is resolved; a host that does not resolve or has any
    address that is not public gets no request and the attempt fails, retried as any
    other; the request then goes to an address that passed. A
    2xx answer is success and clears the webhook's run of failures. Anything else is
    retried with back-off up to MAX_ATTEMPTS, then abandoned; a run of failed attempts
    across deliveries (WEBHOOKS_DISABLE_AFTER_FAILURES) disables the webhook."""
    if not _claim(delivery_id, now=timezone.now()):
        return AttemptOutcome(status="skipped")
    delivery = WebhookDelivery.objects.select_related("webhook__owner").get(pk=delivery_id)
    reason = _why_undeliverable(delivery)
    if reason:
        WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING).update(
            status=Status.ABANDONED, last_error=reason, next_attempt_at=None
        )
        return AttemptOutcome(status=Status.ABANDONED)
    try:
        destination = ssrf.parse(delivery.webhook.url)
        addresses = ssrf.resolve(destination)
    except ssrf.DestinationRefused as exc:
        return _record_failure(delivery, error=f"Refused: {exc.message}", retryable=False)
    except ssrf.DestinationNotPublic as exc:
        return _record_failure(delivery, error=exc.message)
    body = delivery_body(delivery)
    try:
        sent = transport.post(
            scheme=destination.scheme,
            host=destination.host,
            port=destination.port,
            target=destination.target,
            addresses=addresses,
            body=body,
            headers=delivery_headers(delivery, body=body, timestamp=int(time.time())),
        )
    except transport.TransportError as exc:
        return _record_failure(delivery, error=exc.message)
    if 200 <= sent.status_code < 300:
        return _record_success(delivery, status_code=sent.status_code)
    error = f"The receiver answered HTTP {sent.status_code}."
    if 300 <= sent.status_code < 400:
        error = f"The receiver answered HTTP {sent.status_code}; redirects are not followed."
    return _record_failure(delivery, error=error, status_code=sent.status_code)


def _record_success(delivery: WebhookDelivery, *, status_code: int) -> AttemptOutcome:
    now = timezone.now()
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING).update(
            status=Status.SUCCEEDED,
            last_status_code=status_code,
            last_error="",
            next_attempt_at=None,
            delivered_at=now,
        )
        Webhook.objects.filter(pk=delivery.webhook_id, consecutive_failures__gt=0).update(
            consecutive_failures=0
        )
    return AttemptOutcome(status=Status.SUCCEEDED)


def _record_failure(
    delivery: WebhookDelivery, *, error: str, status_code: int | None = None, retryable=True
) -> AttemptOutcome:
    now = timezone.now()
    retry_in = None
    if not retryable:
        status = Status.FAILED
    elif delivery.attempts >= MAX_ATTEMPTS:
        status = Status.ABANDONED
    else:
        status, retry_in = Status.PENDING, retry_delay(delivery.attempts)
    field_limit = WebhookDelivery._meta.get_field("last_error").max_length
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING).update(
            status=status,
            last_status_code=status_code,
            last_error=error[:field_limit],
            next_attempt_at=now + dt.timedelta(seconds=retry_in) if retry_in else None,
        )
        if _webhook_failed(webhook_id=delivery.webhook_id, error=error, now=now) and retry_in:
            # Disabling abandoned this delivery along with the webhook's other pending ones.
            return AttemptOutcome(status=Status.ABANDONED)
    return AttemptOutcome(status=status, retry_in=retry_in)


def _webhook_failed(*, webhook_id: int, error: str, now: dt.datetime) -> bool:
    """Count a failed attempt against the webhook; disable it once the run is long
    enough. Returns True if this failure disabled it."""
    Webhook.objects.filter(pk=webhook_id).update(consecutive_failures=F("consecutive_failures") + 1)
    limit = disable_after_failures()
    reason = f"Disabled after {limit} failed attempts in a row. Last: {error}"
    disabled = Webhook.objects.filter(
        pk=webhook_id, is_active=True, consecutive_failures__gte=limit
    ).update(
        is_active=False,
        disabled_at=now,
        disabled_reason=reason[: Webhook._meta.get_field("disabled_reason").max_length],
    )
    if disabled:
        _abandon_pending(webhook_id=webhook_id, reason="The webhook was disabled.")
        logger.info("Webhook %s disabled after %d failed attempts in a row", webhook_id, limit)
    return bool(disabled)
