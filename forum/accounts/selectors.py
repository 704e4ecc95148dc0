"""Reads about members."""

from django.db.models import Case, IntegerField, Value, When

from forum.accounts.models import Sanction

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
