"""Writes to accounts: creating members, roles, trust levels."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from forum.accounts.models import User


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str = "",
    password: str | None = None,
    role: str = User.Role.MEMBER,
    trust_level: int = 0,
    display_name: str = "",
) -> User:
    user = User(username=username, email=email, display_name=display_name, trust_level=trust_level)
    _apply_role(user, role)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


def _apply_role(user: User, role: str) -> None:
    # Moderators work in the admin panel, so they are staff; admins may do everything.
    user.role = role
    user.is_staff = role in (User.Role.MODERATOR, User.Role.ADMIN)
    user.is_superuser = role == User.Role.ADMIN


def user_set_role(*, user: User, role: str) -> bool:
    """Give `user` the role. Returns False when they already had it."""
    if user.role == role and user.is_staff == (role != User.Role.MEMBER):
        return False
    _apply_role(user, role)
    user.save(update_fields=["role", "is_staff", "is_superuser"])
    return True


def trust_level_earned(*, user: User, now: dt.datetime | None = None) -> int:
    """The highest trust level `user`'s activity earns under the configured thresholds."""
    from moderation.selectors import user_sanctioned_since

    now = now or timezone.now()
    config = settings.PARLEY
    recent = now - dt.timedelta(days=config["RECENT_SANCTION_DAYS"])
    if user_sanctioned_since(user=user, since=recent):
        return 0
    days_member = (now - user.date_joined).days
    earned = 0
    for level, threshold in sorted(config["TRUST_LEVEL_THRESHOLDS"].items()):
        if user.post_count >= threshold["posts"] and days_member >= threshold["days"]:
            earned = level
        else:
            break
    return earned


def user_refresh_trust_level(*, user: User, now: dt.datetime | None = None) -> bool:
    """Promote `user` to the level their activity earns. Automatic changes only promote:
    a demotion is a moderator's decision. Returns True when the level changed."""
    if user.trust_level_locked:
        return False
    earned = trust_level_earned(user=user, now=now)
    if earned <= user.trust_level:
        return False
    User.objects.filter(pk=user.pk).update(trust_level=earned)
    user.trust_level = earned
    return True


def user_set_password(*, user: User, password: str) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])
