"""Reads for moderation."""

import datetime as dt

from moderation.models import Sanction


def user_active_sanction_kinds(*, user) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    return frozenset(Sanction.objects.active().filter(user=user).values_list("kind", flat=True))


def user_sanctioned_since(*, user, since: dt.datetime) -> bool:
    return Sanction.objects.filter(user=user, starts_at__gte=since).exists()
