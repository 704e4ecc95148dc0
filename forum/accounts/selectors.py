"""Reads about members."""

import re

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db.models import Case, IntegerField, Value, When

from forum.accounts.models import Sanction, User

# What every username is made of (sign-up and the admin's forms hold names to it).
_USERNAME = re.compile(UnicodeUsernameValidator.regex, UnicodeUsernameValidator.flags)

# The order a member is told of their sanctions in: the one that restricts most first.
_STRENGTH = Case(
    When(kind=Sanction.Kind.BAN, then=Value(0)),
    When(kind=Sanction.Kind.SUSPEND, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def sanction_in_force(*, user) -> Sanction | None:
    """The sanction `user` is under now that restricts them most (of equals, the one that
    ends last), to tell them what they cannot do, until when and why; None when they are
    under none. No query for a member the request already knows to be unsanctioned."""
    if not user.is_authenticated or not user.active_sanction_kinds():
        return None
    return (
        Sanction.objects.active()
        .filter(user=user)
        .order_by(_STRENGTH, "-ends_at", "-starts_at")
        .first()
    )


def active_member_named(username: str) -> User | None:
    """The active member whose username is `username`, or None. A name no username could
    be (a space, an emoji, a NUL, which PostgreSQL refuses in any string) names nobody
    and is not looked up."""
    if not _USERNAME.match(username):
        return None
    return User.objects.filter(username=username, is_active=True).first()
