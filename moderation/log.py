"""Writing to the append-only moderation log. Writing a row only writes the row; who
hears of the decision is for the subscribers of `events.DecisionRecorded`."""

from forum.core import events
from moderation.models import ModerationLogEntry, Rule


def target_of(obj) -> tuple[str, int, str]:
    """(type, id, label) for a log entry about `obj`: a post, thread, user, rule or report."""
    type_name = obj._meta.concrete_model._meta.model_name  # a proxy logs as its model
    if type_name == "post":
        return "post", obj.pk, f"Post {obj.pk} in “{obj.thread.title}”"[:200]
    if type_name == "thread":
        return "thread", obj.pk, obj.title[:200]
    if type_name == "user":
        return "user", obj.pk, obj.username
    return type_name, obj.pk, str(obj)[:200]


# Decisions that concern the author of a post or a thread: what readers see of it
# changed, or it is held or released.
TOLD_TO_AUTHOR = {
    "post": frozenset({"hold", "hide", "reject", "remove", "approve", "restore", "edit"}),
    "thread": frozenset({"hide_thread", "remove_thread", "restore_thread"}),
}


def log_record(
    *,
    actor,
    action: str,
    target,
    reason: str = "",
    rule: Rule | None = None,
    details: dict | None = None,
) -> ModerationLogEntry:
    """Append one decision. `actor` is None for automatic decisions, which name the
    rule (and its version) behind them. Once the caller's transaction commits the
    decision is published, so a rolled-back decision tells nobody."""
    target_type, target_id, label = target_of(target)
    entry = ModerationLogEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=label,
        reason=reason[:1000],
        rule=rule,
        rule_version=rule.version if rule is not None else None,
        details=details or {},
    )
    on_post, on_thread = target_type == "post", target_type == "thread"
    events.publish(
        events.DecisionRecorded(
            entry_id=entry.pk,
            action=action,
            actor_id=entry.actor_id,
            target_type=target_type,
            target_id=target_id,
            author_id=target.author_id if on_post or on_thread else None,
            thread_id=target.thread_id if on_post else target.pk if on_thread else None,
            post_id=target.pk if on_post else target.opening_post_id if on_thread else None,
            tells_author=action in TOLD_TO_AUTHOR.get(target_type, ()),
        )
    )
    return entry
