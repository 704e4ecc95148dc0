"""What every page shows about the signed-in member's standing, as forum.core.permissions
answers it: whether they may post and moderate, and the sanction they are under, so a
silenced member is told (until when, and why, and where to appeal) before they write
rather than after; and for moderators, the count of open work in the queue (on the web's
pages and the admin's alike)."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject, lazy

from forum.accounts.selectors import sanction_in_force
from forum.core import permissions
from forum.notifications.sanctions import appeal_path
from moderation.selectors import open_work_count


def standing(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    sanction = SimpleLazyObject(lambda: sanction_in_force(user=user))
    return {
        "may_post": permissions.can_post(user),
        "may_moderate": permissions.is_moderator(user),
        "sanction_in_force": sanction,
        "sanction_appeal_url": lazy(lambda: appeal_path(sanction) if sanction else "", str)(),
    }


def open_work(request) -> dict:
    """The header's count of work waiting for a moderator, counted only if a page shows
    it, and how often the page asks again (nothing at all for anyone else)."""
    user = getattr(request, "user", None)
    if user is None or not permissions.is_moderator(user):
        return {}
    return {
        "open_work_count": lazy(lambda: open_work_count(user=user), int)(),
        "open_work_poll_seconds": settings.PARLEY["QUEUE_POLL_SECONDS"],
    }
