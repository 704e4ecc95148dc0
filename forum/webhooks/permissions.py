"""Who may manage webhooks and who may hear which event. Meant to fold into
forum.core.permissions; until then the webhook code asks here and nowhere else.

Reading functions return booleans; `check_*` functions raise a ForumError that names
the reason."""

from django.db.models import Q
from rest_framework.permissions import BasePermission

from forum.core.errors import NotAuthenticated, NotFound, PermissionDenied
from forum.core.permissions import is_moderator
from forum.webhooks.events import EVENTS, Audience
from forum.webhooks.models import Webhook


def check_can_manage_webhooks(user) -> None:
    """Raise unless `user` may register and manage webhooks of their own: any signed-in,
    active member (integrators own their webhooks), staff included."""
    if not user.is_authenticated:
        raise NotAuthenticated("Sign in to manage webhooks.")
    if not user.is_active:
        raise PermissionDenied("This account is deactivated.", code="account_inactive")


def check_can_manage_webhook(user, webhook: Webhook) -> None:
    """Another member's webhook, or a deleted one, does not exist as far as `user` knows."""
    check_can_manage_webhooks(user)
    if webhook.owner_id != user.pk or webhook.deleted_at is not None:
        raise NotFound("No such webhook.")


def can_receive_event(user, event: str) -> bool:
    """Whether a webhook owned by `user` may be sent `event` now. Asked again before each
    attempt, so an owner who stops being a moderator stops hearing moderators' events."""
    if not user.is_active:
        return False
    kind = EVENTS.get(event)
    if kind is None or kind.audience == Audience.MEMBERS:
        return True
    return is_moderator(user)


def check_can_subscribe(user, events: list[str]) -> None:
    refused = [event for event in events if not can_receive_event(user, event)]
    if refused:
        message = f"Only moderators can subscribe to: {', '.join(refused)}."
        raise PermissionDenied(message, code="event_not_allowed", fields={"events": [message]})


def owners_who_may_receive_q(event: str) -> Q:
    """`can_receive_event` as a filter on Webhook, for choosing whom to send `event` to."""
    active = Q(owner__is_active=True)
    if EVENTS[event].audience == Audience.MEMBERS:
        return active
    # The same test as User.is_moderator, in SQL.
    return active & (Q(owner__is_superuser=True) | Q(owner__role__in=("moderator", "admin")))


class CanManageWebhooks(BasePermission):
    """DRF's hook for `check_can_manage_webhooks`, so a refusal is our one error body
    with a 401 or 403 that names the reason."""

    def has_permission(self, request, view) -> bool:
        check_can_manage_webhooks(request.user)
        return True
