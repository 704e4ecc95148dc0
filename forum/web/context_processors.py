"""What every page shows about the signed-in member's standing, as forum.core.permissions
answers it: whether they may post and moderate, and the sanction they are under, so a
silenced member is told (until when, and why) before they write rather than after."""

from django.utils.functional import SimpleLazyObject

from forum.accounts.selectors import sanction_in_force
from forum.core import permissions


def standing(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "may_post": permissions.can_post(user),
        "may_moderate": permissions.is_moderator(user),
        "sanction_in_force": SimpleLazyObject(lambda: sanction_in_force(user=user)),
    }
