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

from forum.accounts.models import Sanction
from forum.core import permissions
from forum.threads.models import Post, Thread
from moderation.models import ModerationLogEntry, Report, ReviewItem, Verdict

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
