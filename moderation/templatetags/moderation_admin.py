"""The review queue's summary on the admin home page, and paragraph numbers as people see
them."""

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from forum.core import permissions
from moderation import selectors
from moderation.content import paragraph_number as _paragraph_number
from moderation.models import ReviewItem

register = template.Library()


@register.inclusion_tag("admin/moderation/home_queue.html", takes_context=True)
def moderation_home(context, shown: int = 10) -> dict:
    """Pending items in the categories the signed-in moderator moderates: counts by
    reason (each a link to the filtered queue) and the oldest waiting."""
    user = context["request"].user
    if not permissions.is_moderator(user):
        return {"show": False}
    queue_url = reverse("admin:moderation_reviewitem_changelist")
    counts = selectors.review_queue_counts(user=user)
    pending = {"state__exact": ReviewItem.State.PENDING}
    return {
        "show": True,
        "total": counts["total"],
        "queue_url": f"{queue_url}?{urlencode(pending)}",
        "by_reason": [
            (label, count, f"{queue_url}?{urlencode({**pending, 'reason': value})}")
            for value, label, count in counts["by_reason"]
        ],
        "oldest": selectors.review_queue(user=user)
        .filter(state=ReviewItem.State.PENDING)
        .order_by("created_at", "pk")[:shown],
        "dashboard_url": reverse("admin:moderation_dashboard"),
        "log_url": reverse("admin:moderation_moderationlogentry_changelist"),
        "may_edit_rules": permissions.is_forum_moderator(user),
        "try_rule_url": reverse("admin:moderation_rule_try"),
    }


@register.filter
def paragraph_number(index: int) -> int:
    """Paragraph `index` (from 0, as stored) as the member who reported it saw it."""
    return _paragraph_number(index)
