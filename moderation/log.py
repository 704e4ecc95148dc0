"""Writing to the append-only moderation log."""

from moderation.models import ModerationLogEntry, Rule


def target_of(obj) -> tuple[str, int, str]:
    """(type, id, label) for a log entry about `obj`: a post, thread, user, rule or report."""
    type_name = obj._meta.model_name
    if type_name == "post":
        return "post", obj.pk, f"Post {obj.pk} in “{obj.thread.title}”"[:200]
    if type_name == "thread":
        return "thread", obj.pk, obj.title[:200]
    if type_name == "user":
        return "user", obj.pk, obj.username
    return type_name, obj.pk, str(obj)[:200]


# Decisions on a post that its author hears of.
_TOLD_TO_AUTHOR = frozenset({"hold", "hide", "reject", "remove", "approve", "restore", "edit"})


# Decisions on a post that integrators' webhooks hear of.
_WEBHOOK_EVENTS = {"hide": "post.hidden", "remove": "post.removed", "reject": "post.removed"}


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
    rule (and its version) behind them. A decision on a post is also told to its author
    (in the same transaction, so a rolled-back decision tells nobody)."""
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
    if target_type == "post" and action in _TOLD_TO_AUTHOR and target.author_id != entry.actor_id:
        from forum.notifications.services import notify_direct

        notify_direct(
            recipient_id=target.author_id,
            kind="post_moderated",
            post=target,
            event=f"decision:{entry.pk}",
        )
    if target_type == "post" and action in _WEBHOOK_EVENTS:
        from forum.webhooks import payloads
        from forum.webhooks.services import webhook_event

        event = _WEBHOOK_EVENTS[action]
        webhook_event(
            event=event,
            event_id=f"{event}:{target.pk}:{entry.pk}",
            payload=payloads.post_payload(target),
        )
    return entry
