"""Where layers above accounts take part in what accounts does. They register from their
AppConfig.ready(); with nothing registered, accounts works on its own.

- A change to a member's standing (their role, their trust level) is handed to every
  recorder inside the transaction that makes it, so a record of it (the moderation log)
  is written or rolled back with the change itself.
- Rows elsewhere that are about a member keep an abandoned sign-up from being purged.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet


@dataclass(frozen=True)
class MemberChange:
    """`actor` set `member`'s `field` from `before` to `after`; `actor` is None for an
    automatic change."""

    actor: object | None
    member: object
    field: str
    before: object
    after: object


_change_recorders: list[Callable[[MemberChange], None]] = []
_account_references: list[Callable[[OuterRef], QuerySet]] = []


def record_member_changes_with(recorder: Callable[[MemberChange], None]) -> None:
    if recorder not in _change_recorders:
        _change_recorders.append(recorder)


def member_changed(change: MemberChange) -> None:
    """Hand `change` to every recorder. The caller holds the transaction that makes it."""
    for recorder in _change_recorders:
        recorder(change)


def keep_accounts_referenced_by(rows_about: Callable[[OuterRef], QuerySet]) -> None:
    """`rows_about(member_pk)` returns the rows about the member whose primary key is the
    given outer reference; an account with any is never purged as abandoned."""
    if rows_about not in _account_references:
        _account_references.append(rows_about)


def account_references(member_pk: OuterRef) -> list[QuerySet]:
    return [rows_about(member_pk) for rows_about in _account_references]
