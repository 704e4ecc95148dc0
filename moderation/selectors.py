"""Reads for moderation, each limited to what the reader may see: a category moderator
sees the queue, reports, verdicts, appeals, log entries and members' posts of their
categories only, and records that belong to no category (sanctions, decisions on members
and rules) not at all (forum.core.permissions decides)."""

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Min,
    Q,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from forum.accounts.models import Sanction, User
from forum.core import permissions, requestmemo
from forum.core.errors import NotFound
from forum.threads.models import Post, Thread
from moderation.models import (
    Appeal,
    ModerationLogEntry,
    QueueAlert,
    QueueDigestSubscription,
    Report,
    ReviewItem,
    Verdict,
)

# --- the review queue and the dashboard, for the admin panel -------------------------

# Log actions that are a moderator's decision on a post or a member (not rule edits,
# appeals or automatic expiries).
DECISION_ACTIONS = (
    "approve",
    "hide",
    "remove",
    "restore",
    "edit",
    "lock",
    "unlock",
    "move",
    "merge",
    "split",
    "silence",
    "suspend",
    "ban",
    "lift_sanction",
    "hide_thread",
    "remove_thread",
    "restore_thread",
)


def review_queue(*, user):
    """Review items in the categories `user` moderates, with what the queue list shows:
    the post, its thread and author, and the number of distinct reporters."""
    return (
        ReviewItem.objects.filter(
            permissions.moderated_q(user, category_field="post__thread__category")
        )
        .select_related("post__thread__category", "post__author", "claimed_by")
        .annotate(reporter_count=Count("post__reports__reporter", distinct=True))
    )


def review_queue_counts(*, user) -> dict:
    """Pending items in `user`'s categories, in total and by reason, in one query."""
    pending = ReviewItem.objects.filter(
        permissions.moderated_q(user, category_field="post__thread__category"),
        state=ReviewItem.State.PENDING,
    )
    figures = pending.aggregate(
        total=Count("pk"),
        **{
            # A text match on the JSON list works on both PostgreSQL and SQLite.
            value: Count("pk", filter=Q(reasons__icontains=f'"{value}"'))
            for value in ReviewItem.Reason.values
        },
    )
    return {
        "total": figures["total"],
        "by_reason": [(value, label, figures[value]) for value, label in ReviewItem.Reason.choices],
    }


# --- open work, and who hears of it ---------------------------------------------------


def _claim_holds_q(*, now: dt.datetime) -> Q:
    """Review items whose claim has not lapsed."""
    return Q(claimed_by__isnull=False, claimed_at__gte=now - ReviewItem.CLAIM_TIMEOUT)


def claimed_by_anyone(item: ReviewItem, *, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return item.claimed_by_id is not None and item.claimed_at >= now - ReviewItem.CLAIM_TIMEOUT


def _claimed_by_another(item: ReviewItem, moderator, *, now: dt.datetime) -> bool:
    return claimed_by_anyone(item, now=now) and item.claimed_by_id != moderator.pk


def _open_sanction_appeals(*, now: dt.datetime):
    return Appeal.objects.filter(
        sanction__in=Sanction.objects.active(now).values("pk"), decided_at__isnull=True
    )


def open_work_count(*, user, now: dt.datetime | None = None) -> int:
    """How much work waits for `user` in the queue: pending review items in the
    categories they moderate that no other moderator has claimed, and open appeals of
    sanctions they may lift. No query for anyone who moderates nothing; two counts over
    indexed rows for a moderator."""
    if not permissions.is_moderator(user):
        return 0
    now = now or timezone.now()
    items = (
        ReviewItem.objects.filter(
            permissions.moderated_q(user, category_field="post__thread__category"),
            state=ReviewItem.State.PENDING,
        )
        .exclude(_claim_holds_q(now=now) & ~Q(claimed_by=user.pk))
        .count()
    )
    if not permissions.is_forum_moderator(user):
        return items
    appeals = (
        _open_sanction_appeals(now=now)
        .filter(permissions.members_acted_on_q(user, prefix="author__"))
        .count()
    )
    return items + appeals


def _still_open(alert: QueueAlert, *, now: dt.datetime) -> bool:
    if alert.review_item_id is not None:
        return alert.review_item.state == ReviewItem.State.PENDING
    # A sanction's appeal is moot once the sanction has ended, as in _open_sanction_appeals.
    sanction = alert.appeal.sanction
    return (
        alert.appeal.decided_at is None
        and sanction.lifted_at is None
        and (sanction.ends_at is None or sanction.ends_at > now)
    )


def _alert_is_for(alert: QueueAlert, moderator, *, now: dt.datetime) -> bool:
    """Whether `moderator` is to hear of `alert`: they may act on it, and no other
    moderator has claimed it."""
    if alert.review_item_id is not None and _claimed_by_another(
        alert.review_item, moderator, now=now
    ):
        return False
    return permissions.can_act_on_queue_item(
        moderator,
        category_id=alert.category_id,
        member=alert.appeal.author if alert.appeal_id is not None else None,
    )


def _alerts():
    return QueueAlert.objects.select_related(
        "review_item", "appeal__sanction", "appeal__author"
    ).order_by("created_at", "pk")


def queue_alert_recipients(*, alert: QueueAlert, now: dt.datetime | None = None) -> list[User]:
    """The moderators to tell of `alert`, if its work is still open: those who may act on
    it (forum.core.permissions), which, once a moderator has claimed it, is nobody but
    them. Asks about each active account holding a moderator's role (a handful)."""
    now = now or timezone.now()
    if not _still_open(alert, now=now):
        return []
    with requestmemo.remembering():
        return [
            moderator
            for moderator in User.objects.filter(permissions.moderator_roles_q()).order_by("pk")
            if _alert_is_for(alert, moderator, now=now)
        ]


def queue_alerts_for(*, moderator, since: dt.datetime, until: dt.datetime) -> list[QueueAlert]:
    """The alerts recorded after `since` and up to `until` whose work is still open and
    which `moderator` is to hear of, oldest first."""
    alerts = _alerts().filter(created_at__gt=since, created_at__lte=until)
    # The moderator's roles and scope are read once for all the alerts, as a request
    # would (a digest task has no request).
    with requestmemo.remembering():
        return [
            alert
            for alert in alerts
            if _still_open(alert, now=until) and _alert_is_for(alert, moderator, now=until)
        ]


def sanction_of_member(*, user, pk: int) -> Sanction:
    """A sanction on `user`, for them to appeal; NotFound for any other, so ids reveal
    nothing."""
    sanction = Sanction.objects.filter(pk=pk).first() if user.is_authenticated else None
    if sanction is None or sanction.user_id != user.pk:
        raise NotFound("No such sanction.")
    return sanction


def queue_digest_subscribed(*, moderator) -> bool:
    return QueueDigestSubscription.objects.filter(moderator=moderator).exists()


def sanction_appeals(*, user):
    """Appeals against sanctions, for the moderators who may lift them: open ones
    first, each with its sanction and member."""
    return (
        Appeal.objects.filter(sanction__isnull=False)
        .filter(permissions.members_acted_on_q(user, prefix="author__"))
        .select_related("sanction", "author", "decided_by")
        .order_by(F("decided_at").asc(nulls_first=True), "-created_at")
    )


@dataclass(frozen=True)
class DashboardFigures:
    since: dt.date
    days: list[dt.date]
    queue_size: int
    oldest_pending_at: dt.datetime | None
    decided: int
    median_decision_seconds: float | None
    # {action: {day: count}}
    decisions_by_action: dict[str, dict[dt.date, int]]
    reports_by_day: dict[dt.date, int]
    # [(rule id, rule name, verdicts)]
    top_rules: list[tuple[int, str, int]]

    @property
    def decisions_total(self) -> int:
        return sum(sum(by_day.values()) for by_day in self.decisions_by_action.values())

    @property
    def reports_total(self) -> int:
        return sum(self.reports_by_day.values())

    def decisions_per_day(self) -> list[tuple[dt.date, dict[str, int]]]:
        return [
            (
                day,
                {action: counts.get(day, 0) for action, counts in self.decisions_by_action.items()},
            )
            for day in self.days
        ]


def moderation_dashboard(
    *,
    now: dt.datetime | None = None,
    days: int = 30,
    top: int = 10,
    category_ids: frozenset[int] | None = None,
) -> DashboardFigures:
    """The moderation dashboard's figures over the last `days` days (today included), in
    a fixed number of aggregate queries whatever the volume: the queue, the median time
    from an item entering the queue to its decision, decisions per day by action, reports
    per day and the rules that fired most. With `category_ids`, only what happened in
    those categories (decisions on members, which belong to no category, are left out)."""
    in_scope = Q()
    log_in_scope = Q()
    if category_ids is not None:
        in_scope = Q(post__thread__category_id__in=category_ids)
        log_in_scope = _log_in_categories_q(category_ids)

    now = now or timezone.now()
    today = timezone.localdate(now)
    since_day = today - dt.timedelta(days=days - 1)
    since = timezone.make_aware(dt.datetime.combine(since_day, dt.time.min))
    day_list = [since_day + dt.timedelta(days=offset) for offset in range(days)]

    queue = ReviewItem.objects.filter(in_scope, state=ReviewItem.State.PENDING).aggregate(
        size=Count("pk"), oldest=Min("created_at")
    )
    decided = ReviewItem.objects.filter(
        in_scope, decided_at__gte=since, decided_at__isnull=False
    ).exclude(state=ReviewItem.State.PENDING)
    median, decided_count = _median_wait_seconds(decided)

    decisions: dict[str, dict[dt.date, int]] = {}
    rows = (
        ModerationLogEntry.objects.filter(
            log_in_scope, created_at__gte=since, actor__isnull=False, action__in=DECISION_ACTIONS
        )
        .annotate(day=TruncDate("created_at"))
        .values("day", "action")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in rows:
        decisions.setdefault(row["action"], {})[row["day"]] = row["count"]

    reports = {
        row["day"]: row["count"]
        for row in Report.objects.filter(in_scope, created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(count=Count("pk"))
        .order_by()
    }
    top_rules = [
        (row["rule_id"], row["rule__name"], row["count"])
        for row in Verdict.objects.filter(in_scope, created_at__gte=since)
        .values("rule_id", "rule__name")
        .annotate(count=Count("pk"))
        .order_by("-count", "rule__name")[:top]
    ]
    return DashboardFigures(
        since=since_day,
        days=day_list,
        queue_size=queue["size"],
        oldest_pending_at=queue["oldest"],
        decided=decided_count,
        median_decision_seconds=median,
        decisions_by_action=dict(sorted(decisions.items())),
        reports_by_day=reports,
        top_rules=top_rules,
    )


class _Median(Aggregate):
    """PostgreSQL's exact median of an interval, in seconds."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM %(expressions)s))"
    output_field = FloatField()


def _median_wait_seconds(decided) -> tuple[float | None, int]:
    """(median seconds from queueing to decision, items decided) for the `decided` items:
    one aggregate query on PostgreSQL; elsewhere one query for the durations."""
    wait = ExpressionWrapper(F("decided_at") - F("created_at"), output_field=DurationField())
    if connection.vendor == "postgresql":
        figures = decided.aggregate(median=_Median(wait), count=Count("pk"))
        return figures["median"], figures["count"]
    waits = sorted(
        duration.total_seconds()
        for duration in decided.annotate(wait=wait).values_list("wait", flat=True)
    )
    if not waits:
        return None, 0
    middle = len(waits) // 2
    median = waits[middle] if len(waits) % 2 else (waits[middle - 1] + waits[middle]) / 2
    return median, len(waits)


# --- members, for moderators ----------------------------------------------------------


def member_posts_for_moderator(*, member, moderator):
    """Everything `member` posted that `moderator` may read, newest first: whatever its
    state (pending, hidden, removed or deleted) in the categories they moderate, and
    what anyone may read elsewhere."""
    return (
        Post.objects.filter(
            permissions.visible_posts_q(moderator),
            permissions.visible_threads_q(moderator, prefix="thread__"),
            author=member,
        )
        .select_related("thread__category")
        .order_by("-created_at", "-pk")
    )


def pending_review_items(post_views) -> dict[int, int]:
    """{post id: pending review item id} for the posts of a page (their views), in one
    query, so a moderator's quick tools can link to the item in the admin's queue."""
    if not post_views:
        return {}
    return dict(
        ReviewItem.objects.filter(
            post_id__in=[view.post.pk for view in post_views], state=ReviewItem.State.PENDING
        ).values_list("post_id", "pk")
    )


# --- the records behind decisions -------------------------------------------------------


def _log_in_categories_q(category_ids) -> Q:
    """Log entries about posts and threads of the given categories."""
    return Q(
        target_type="post",
        target_id__in=Post.objects.filter(thread__category_id__in=category_ids).values("pk"),
    ) | Q(
        target_type="thread",
        target_id__in=Thread.objects.filter(category_id__in=category_ids).values("pk"),
    )


def log_entries(*, user):
    """The moderation log as `user` may read it: the whole of it for moderators of the
    whole forum; for a category moderator, the decisions on posts and threads of their
    categories; nothing for anyone else."""
    entries = ModerationLogEntry.objects.select_related("actor", "rule")
    if not permissions.is_moderator(user):
        return entries.none()
    scope = permissions.moderated_category_ids(user)
    if scope is None:
        return entries
    return entries.filter(_log_in_categories_q(scope))


def sanctions(*, user):
    """Sanctions, for the moderators who may impose them (those of the whole forum): a
    sanction belongs to no category."""
    if not permissions.can_view_forum_records(user):
        return Sanction.objects.none()
    return Sanction.objects.select_related("user", "created_by")


def reports(*, user):
    return Report.objects.filter(
        permissions.moderated_q(user, category_field="post__thread__category")
    ).select_related("reporter", "post")
