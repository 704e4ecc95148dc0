"""Writes for moderation: reports, the review queue, appeals, sanctions and rules.

Moderator actions on posts, threads and members (and deciding a review item, which is
one of them) live in `moderation.actions` and call these and the thread services; the
automatic checks live in `moderation.pipeline`.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from forum.accounts.models import Sanction, sanctions_memo_key
from forum.core import events, permissions, requestmemo
from forum.core.errors import Conflict, RateLimited, ValidationFailed
from forum.core.text import clean_text
from forum.threads import services as thread_services
from forum.threads.models import Post, PostRevision, PostState
from moderation import alerts, tryouts
from moderation.content import reportable_paragraphs
from moderation.log import log_record
from moderation.models import Appeal, QueueAlert, Report, ReviewItem, Rule
from moderation.rules import InvalidRuleParams, get_kind

logger = logging.getLogger(__name__)


# --- revision checks ----------------------------------------------------------------


def unchecked_revision_ids(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """Revisions still unchecked after the grace period, oldest first."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.PARLEY["UNCHECKED_REVISION_GRACE_SECONDS"])
    return list(
        PostRevision.objects.filter(checked_at__isnull=True, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


# --- review queue -------------------------------------------------------------------


def review_item_open(*, post: Post, reason: str, severity: float = 0.0) -> ReviewItem:
    """The pending review item for `post`, created or extended with `reason`. Safe under
    concurrency: the unique pending-item constraint decides a race."""
    for _attempt in range(3):
        with transaction.atomic():
            item = ReviewItem.objects.select_for_update().filter(post=post, state="pending").first()
            if item is not None:
                return _review_item_extend(item, reason=reason, severity=severity)
        try:
            with transaction.atomic():
                return ReviewItem.objects.create(post=post, reasons=[reason], severity=severity)
        except IntegrityError:
            continue
    raise Conflict("The review queue is busy; try again.")


def _review_item_extend(item: ReviewItem, *, reason: str, severity: float) -> ReviewItem:
    changed = []
    if reason not in item.reasons:
        item.reasons = [*item.reasons, reason]
        changed.append("reasons")
    if severity > item.severity:
        item.severity = severity
        changed.append("severity")
    if changed:
        item.save(update_fields=changed)
    return item


def review_item_claim(*, moderator, item: ReviewItem, now: dt.datetime | None = None) -> ReviewItem:
    """Claim `item` for `moderator`, so that two moderators do not decide the same post.
    A claim older than ReviewItem.CLAIM_TIMEOUT lapses. Claiming one's own item again is a no-op."""
    permissions.check_can_moderate_target(moderator, item.post)
    now = now or timezone.now()
    claimed = (
        ReviewItem.objects.filter(pk=item.pk, state=ReviewItem.State.PENDING)
        .filter(
            Q(claimed_by__isnull=True)
            | Q(claimed_by=moderator)
            | Q(claimed_at__lt=now - ReviewItem.CLAIM_TIMEOUT)
        )
        .update(claimed_by=moderator, claimed_at=now)
    )
    item.refresh_from_db()
    if not claimed:
        if item.state != ReviewItem.State.PENDING:
            raise Conflict("This item has already been decided.", code="already_decided")
        raise Conflict(
            f"{item.claimed_by.username} is reviewing this item.", code="claimed_by_other"
        )
    return item


def reports_resolve(*, post: Post, upheld: bool) -> int:
    """Close the open reports on `post`: upheld when the post was removed, dismissed
    when it was approved. Each reporter may hear of it (`events.ReportResolved`)."""
    status = Report.Status.UPHELD if upheld else Report.Status.DISMISSED
    open_reports = list(Report.objects.filter(post=post, status=Report.Status.OPEN))
    Report.objects.filter(pk__in=[r.pk for r in open_reports]).update(
        status=status, resolved_at=timezone.now()
    )
    for report in open_reports:
        events.publish(
            events.ReportResolved(
                report_id=report.pk,
                reporter_id=report.reporter_id,
                post_id=post.pk,
                thread_id=post.thread_id,
                upheld=upheld,
            )
        )
    return len(open_reports)


def post_make_visible(*, post: Post, reason: str = "") -> bool:
    """Make `post` visible and tell whoever should hear of it. The single door through
    which a post becomes visible after review, so the fan-out is never skipped."""
    changed = thread_services.post_set_state(post=post, state=PostState.VISIBLE, reason=reason)
    return changed


# --- reports ------------------------------------------------------------------------

REPORTS_PER_HOUR = 20


def report_file(
    *, reporter, post: Post, reason: str, message: str = "", paragraph: int | None = None
) -> Report:
    """File a report. Reports from distinct members at trust level 1 or above add up;
    at the threshold the post is hidden until a moderator decides."""
    permissions.check_can_report(reporter, post)
    if reason not in Report.Reason.values:
        raise ValidationFailed.for_field(
            "reason", f"Choose one of: {', '.join(Report.Reason.values)}.", code="invalid_choice"
        )
    message = clean_text(message, field="message", min_length=0, max_length=1000, multiline=True)
    if reason == Report.Reason.OTHER and not message:
        raise ValidationFailed.for_field(
            "message", "Say what is wrong when the reason is “other”.", code="required"
        )
    if paragraph is not None and paragraph not in {
        p.index for p in reportable_paragraphs(post.body_html)
    }:
        raise ValidationFailed.for_field("paragraph", "No such paragraph.", code="invalid")
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    if (
        Report.objects.filter(reporter=reporter, created_at__gte=hour_ago).count()
        >= REPORTS_PER_HOUR
    ):
        raise RateLimited("Too many reports in the last hour; try again later.", retry_after=3600)
    try:
        with transaction.atomic():
            report = Report.objects.create(
                post=post, reporter=reporter, reason=reason, message=message, paragraph=paragraph
            )
    except IntegrityError as exc:
        raise Conflict("You have already reported this post.", code="already_reported") from exc
    _hide_if_reported_enough(post)
    events.publish(
        events.ReportFiled(
            report_id=report.pk,
            post_id=post.pk,
            category_id=post.thread.category_id,
            reason=report.reason,
            paragraph=report.paragraph,
            created_at=report.created_at,
        )
    )
    return report


def _hide_if_reported_enough(post: Post) -> None:
    threshold = settings.PARLEY["REPORT_HIDE_THRESHOLD"]
    weighty = (
        Report.objects.filter(post=post, status=Report.Status.OPEN, reporter__trust_level__gte=1)
        .values("reporter")
        .distinct()
        .count()
    )
    with transaction.atomic():
        # The thread first (the lock order of forum.threads.services): the review item is
        # written before the post and its author are.
        thread_services.threads_lock(post.thread_id)
        item = review_item_open(
            post=post, reason=ReviewItem.Reason.REPORTS, severity=min(1.0, weighty / threshold)
        )
        if weighty >= threshold:
            alerts.queue_alert_record(source=QueueAlert.Source.REPORTS, review_item=item)
            reason = "Hidden after reports from members, until a moderator decides."
            if thread_services.post_set_state(post=post, state=PostState.HIDDEN, reason=reason):
                log_record(
                    actor=None,
                    action="hide",
                    target=post,
                    reason=reason,
                    details={"reporters": weighty, "threshold": threshold},
                    told_as="reports from members",
                )


# --- appeals ------------------------------------------------------------------------


def appeal_file(*, author, post: Post, message: str) -> Appeal:
    """The author's one appeal against the removal of `post`; it joins the queue."""
    permissions.check_can_appeal(author, post)
    message = clean_text(message, field="message", min_length=1, max_length=2000, multiline=True)
    with transaction.atomic():
        if Appeal.objects.filter(post=post).exists():
            raise Conflict("This post has already been appealed.", code="already_appealed")
        item = review_item_open(post=post, reason=ReviewItem.Reason.APPEAL, severity=0.5)
        appeal = Appeal.objects.create(post=post, author=author, message=message, review_item=item)
        log_record(actor=author, action="appeal", target=post, reason=message[:200])
        alerts.queue_alert_record(source=QueueAlert.Source.APPEAL, review_item=item)
    return appeal


def sanction_appeal_file(*, author, sanction: Sanction, message: str) -> Appeal:
    """The member's one appeal against `sanction`, while it is in force. It waits for a
    moderator who may lift the sanction (`sanction_appeal_decide`)."""
    permissions.check_can_appeal_sanction(author, sanction, now=timezone.now())
    message = clean_text(message, field="message", min_length=1, max_length=2000, multiline=True)
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(sanction=sanction, author=author, message=message)
            log_record(
                actor=author,
                action="appeal_sanction",
                target=author,
                reason=message[:200],
                details={"sanction": sanction.pk, "kind": sanction.kind},
            )
            alerts.queue_alert_record(source=QueueAlert.Source.SANCTION_APPEAL, appeal=appeal)
    except IntegrityError as exc:
        raise Conflict("This sanction has already been appealed.", code="already_appealed") from exc
    return appeal


def sanction_appeal_decide(*, actor, appeal: Appeal, lift: bool, reason: str = "") -> bool:
    """Decide the appeal against a sanction: lift the sanction, or uphold it. Only whoever
    may lift the sanction decides (forum.core.permissions). Returns False when the appeal
    was decided already (the first decision stands)."""
    sanction = appeal.sanction
    if sanction is None:
        raise ValidationFailed("This appeal is about a post; decide its review item.")
    permissions.check_can_lift_sanction(actor, sanction)
    reason = clean_text(reason, field="reason", min_length=0, max_length=500, multiline=False)
    outcome = Appeal.Outcome.LIFTED if lift else Appeal.Outcome.UPHELD
    with transaction.atomic():
        decided = Appeal.objects.filter(pk=appeal.pk, decided_at__isnull=True).update(
            outcome=outcome, decided_by=actor, decided_at=timezone.now(), decision_reason=reason
        )
        if not decided:
            return False
        if lift:
            sanction_lift(actor=actor, sanction=sanction, reason=reason or "Appeal granted.")
        log_record(
            actor=actor,
            action=f"appeal_{outcome}",
            target=sanction.user,
            reason=reason,
            details={"sanction": sanction.pk, "appeal": appeal.pk},
        )
    appeal.refresh_from_db()
    return True


# --- sanctions ----------------------------------------------------------------------


def sanction_end(value: object) -> dt.datetime | None:
    """A sanction's end from what a form or the API sent: None (or "") for none, an aware
    datetime as it is, an ISO 8601 date and time (read in the site's time zone when it
    names none). Anything else is a field error, never a server error."""
    if value is None or value == "":
        return None
    parsed = None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:  # well formed, but no such date (a 13th month)
            parsed = None
    if parsed is None:
        raise ValidationFailed.for_field(
            "ends_at", "Give the end as a date and time (ISO 8601).", code="invalid"
        )
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def sanction_impose(
    *,
    actor,
    user,
    kind: str,
    reason: str,
    ends_at: dt.datetime | None = None,
    record: bool = True,
) -> Sanction:
    """Sanction `user`. `record=False` leaves the log entry to the caller (the action
    registry writes its own)."""
    permissions.check_can_sanction(actor, user)
    if kind not in Sanction.Kind.values:
        raise ValidationFailed.for_field(
            "kind", f"Choose one of: {', '.join(Sanction.Kind.values)}.", code="invalid_choice"
        )
    reason = clean_text(reason, field="reason", min_length=1, max_length=500, multiline=False)
    ends_at = sanction_end(ends_at)
    now = timezone.now()
    if ends_at is not None and ends_at <= now:
        raise ValidationFailed.for_field("ends_at", "The end must be in the future.")
    with transaction.atomic():
        sanction = Sanction.objects.create(
            user=user, kind=kind, reason=reason, created_by=actor, starts_at=now, ends_at=ends_at
        )
        requestmemo.forget(sanctions_memo_key(user.pk))
        events.publish(events.SanctionImposed(sanction_id=sanction.pk, user_id=user.pk))
        if record:
            log_record(
                actor=actor,
                action=kind,
                target=user,
                reason=reason,
                details={
                    "sanction": sanction.pk,
                    "ends_at": ends_at.isoformat() if ends_at else None,
                },
            )
    return sanction


def sanction_lift(*, actor, sanction: Sanction, reason: str = "") -> bool:
    """Lift `sanction` now, as `actor` (who must be allowed to impose it). Returns False if
    it had already ended or been lifted."""
    permissions.check_can_lift_sanction(actor, sanction)
    now = timezone.now()
    with transaction.atomic():
        lifted = Sanction.objects.active(now).filter(pk=sanction.pk).update(lifted_at=now)
        requestmemo.forget(sanctions_memo_key(sanction.user_id))
        if lifted:
            log_record(
                actor=actor,
                action="lift_sanction",
                target=sanction.user,
                reason=reason,
                details={"sanction": sanction.pk, "kind": sanction.kind},
            )
    return bool(lifted)


def sanctions_expire(*, now: dt.datetime | None = None) -> int:
    """Record the end of every sanction whose end time has passed. (An ended sanction
    stops applying at once; this makes its end visible in the log.)"""
    now = now or timezone.now()
    expired = list(
        Sanction.objects.filter(lifted_at__isnull=True, ends_at__lte=now).select_related("user")
    )
    for sanction in expired:
        with transaction.atomic():
            if Sanction.objects.filter(pk=sanction.pk, lifted_at__isnull=True).update(
                lifted_at=sanction.ends_at
            ):
                log_record(
                    actor=None,
                    action="sanction_expired",
                    target=sanction.user,
                    details={"sanction": sanction.pk, "kind": sanction.kind},
                )
    return len(expired)


# --- rules --------------------------------------------------------------------------


def rule_params_validate(*, kind: str, params: object) -> dict:
    """`params` checked and normalised for a rule of `kind`, or ValidationFailed with one
    entry per offending parameter ("params.words", or "params" for the set as a whole)."""
    try:
        rule_kind = get_kind(kind)
    except LookupError as exc:
        raise ValidationFailed.for_field("kind", f"Unknown rule kind “{kind}”.") from exc
    try:
        return rule_kind.validate_params(params)  # type: ignore[arg-type]
    except InvalidRuleParams as exc:
        fields = {
            f"params.{key}" if key else "params": [message] for key, message in exc.errors.items()
        }
        raise ValidationFailed(f"params: {exc}", fields=fields) from exc


def rule_save(
    *,
    actor,
    rule: Rule | None = None,
    name: str,
    kind: str,
    params: dict,
    action: str,
    enabled: bool,
    categories=(),
    tryout_token: str = "",
    override_reason: str = "",
) -> Rule:
    """Create or edit a rule after validating its parameters; every edit bumps its
    version so verdicts say which version fired.

    Switching on a behaviour (enabling the rule, or changing the kind or parameters of an
    enabled one) needs `tryout_token` from `actor`'s try-out of exactly these parameters
    (see `moderation.tryouts`), or an `override_reason`, which is logged as
    "rule_enable_untried". Disabling a rule, or editing a disabled one, needs neither.
    """
    permissions.check_can_manage_rules(actor)
    name = clean_text(name, field="name", min_length=1, max_length=100, multiline=False)
    override_reason = clean_text(
        override_reason, field="override_reason", min_length=0, max_length=500, multiline=False
    )
    if action not in Rule.Action.values:
        raise ValidationFailed.for_field(
            "action", f"Choose one of: {', '.join(Rule.Action.values)}."
        )
    params = rule_params_validate(kind=kind, params=params)
    with transaction.atomic():
        current = None
        if rule is not None:
            # Locked: whether this save switches a behaviour on depends on the stored row.
            current = Rule.objects.select_for_update().get(pk=rule.pk)
        overridden = rule_tryout_check(
            actor=actor,
            current=current,
            kind=kind,
            params=params,
            enabled=enabled,
            tryout_token=tryout_token,
            override_reason=override_reason,
        )
        if current is None:
            rule = Rule.objects.create(
                name=name,
                kind=kind,
                params=params,
                action=action,
                enabled=enabled,
                updated_by=actor,
            )
            change = "rule_create"
        else:
            Rule.objects.filter(pk=current.pk).update(
                name=name,
                kind=kind,
                params=params,
                action=action,
                enabled=enabled,
                updated_by=actor,
                updated_at=timezone.now(),
                version=F("version") + 1,
            )
            rule = current
            rule.refresh_from_db()
            change = "rule_edit"
        rule.categories.set(categories)
        # The categories too: emptying them widens the rule to the whole forum, and the
        # log is where anyone looks for who did that.
        details = {
            "kind": kind,
            "action": action,
            "enabled": enabled,
            "params": params,
            "categories": sorted(getattr(category, "pk", category) for category in categories),
        }
        log_record(actor=actor, action=change, target=rule, rule=rule, details=details)
        if overridden:
            log_record(
                actor=actor,
                action="rule_enable_untried",
                target=rule,
                rule=rule,
                reason=override_reason,
                details={"kind": kind, "params": params},
            )
    return rule


def rule_tryout_check(
    *,
    actor,
    current: Rule | None,
    kind: str,
    params: dict,
    enabled: bool,
    tryout_token: str = "",
    override_reason: str = "",
) -> bool:
    """Whether saving `kind` and `params` (validated) with `enabled` over `current` (the
    stored rule, None for a new one) may go ahead only on `override_reason`: False when
    no try-out is needed or `tryout_token` vouches for it. Without either it raises
    ValidationFailed on "enabled" saying what is missing. Forms ask it before saving, so
    the refusal shows next to the field; `rule_save` asks again under its lock."""
    if not tryouts.needs_tryout(current, kind=kind, params=params, enabled=enabled):
        return False
    try:
        tryouts.tryout_token_check(token=tryout_token, actor=actor, kind=kind, params=params)
    except ValidationFailed:
        if override_reason.strip():
            return True
        raise
    return False
