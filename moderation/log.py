"""Writing to the append-only moderation log. Writing a row only writes the row; who
hears of the decision is for the subscribers of `events.DecisionRecorded`."""

from forum.core import events
from moderation.models import ModerationLogEntry, Rule
from moderation.rules import RULE_KINDS


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


# Decisions that concern the author of a post or a thread (what readers see of it
# changed, or it is held or released) or a member (their sanction appeal was decided).
TOLD_TO_AUTHOR = {
    "post": frozenset({"hold", "hide", "reject", "remove", "approve", "restore", "edit"}),
    "thread": frozenset({"hide_thread", "remove_thread", "restore_thread"}),
    "user": frozenset({"appeal_lifted", "appeal_upheld"}),
}


def told_reason(*, actor, reason: str, rule: Rule | None, told_as: str = "") -> str:
    """Why a decision was made, as the member it concerns may read it: `told_as` when
    the caller words it for them; a moderator's reason as written; for a rule, the kind
    of check it is (never its name, words, domains or limits, which would teach evasion);
    for any other automatic decision, nothing."""
    if told_as:
        return told_as
    if rule is not None:
        kind = RULE_KINDS.get(rule.kind)
        return kind.told_as if kind is not None else ""
    return reason if actor is not None else ""


def log_record(
    *,
    actor,
    action: str,
    target,
    reason: str = "",
    rule: Rule | None = None,
    details: dict | None = None,
    told_as: str = "",
) -> ModerationLogEntry:
    """Append one decision. `actor` is None for automatic decisions, which name the
    rule (and its version) behind them; `told_as` words why for the member it concerns,
    where `told_reason` cannot. Once the caller's transaction commits the decision is
    published, so a rolled-back decision tells nobody."""
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
    tells_author = action in TOLD_TO_AUTHOR.get(target_type, ())
    if on_post or on_thread:
        author_id = target.author_id
    else:
        author_id = target.pk if target_type == "user" and tells_author else None
    events.publish(
        events.DecisionRecorded(
            entry_id=entry.pk,
            action=action,
            actor_id=entry.actor_id,
            target_type=target_type,
            target_id=target_id,
            author_id=author_id,
            thread_id=target.thread_id if on_post else target.pk if on_thread else None,
            post_id=target.pk if on_post else target.opening_post_id if on_thread else None,
            tells_author=tells_author,
            told_reason=told_reason(
                actor=entry.actor, reason=entry.reason, rule=rule, told_as=told_as
            ),
        )
    )
    return entry
