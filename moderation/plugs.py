"""Where moderation plugs into the layers below it (see ModerationConfig.ready())."""

from django.db.models import OuterRef, QuerySet

from forum.accounts import hooks as account_hooks
from forum.core import events
from forum.core.tasks import send
from forum.threads import hooks as thread_hooks
from moderation.images import denied_hashes
from moderation.log import log_record
from moderation.models import ModerationLogEntry
from moderation.screening import rule_screen
from moderation.tasks import check_post_revision


def enqueue_check(revision_id: int) -> None:
    send(check_post_revision, revision_id)


def check_stored_revision(event: events.RevisionStored) -> None:
    """Enqueue the checks of a stored revision. Should the broker be away, the revision
    stays unchecked and the sweep of unchecked revisions sends it later."""
    enqueue_check(event.revision_id)


def record_member_change(change: account_hooks.MemberChange) -> None:
    """A member's role or trust level changed: the log says who changed what."""
    log_record(
        actor=change.actor,
        action=f"set_{change.field}",
        target=change.member,
        details={"from": change.before, "to": change.after},
    )


def log_entries_about(member_pk: OuterRef) -> QuerySet:
    return ModerationLogEntry.objects.filter(target_type="user", target_id=member_pk)


def plug_in() -> None:
    thread_hooks.screen_submissions_with(rule_screen)
    thread_hooks.deny_images_with(denied_hashes)
    events.subscribe(events.RevisionStored, check_stored_revision)
    account_hooks.record_member_changes_with(record_member_change)
    account_hooks.keep_accounts_referenced_by(log_entries_about)
