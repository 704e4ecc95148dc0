"""What notifications do when something happens elsewhere: domain events
(forum.core.events) after commit, and taking part in a thread (forum.threads.hooks) in
its transaction. Subscribed in NotificationsConfig.ready()."""

from forum.core import events
from forum.notifications import sanctions, selectors, services
from forum.notifications.tasks import deliver_batch
from forum.threads import hooks


def fan_out(post) -> int:
    """Work out who hears of the visible `post` and enqueue one delivery task per batch.
    Returns how many batches were enqueued. Memory stays at one batch a kind: each
    kind's buffer is sent off whenever it fills."""
    buffers: dict[str, list[int]] = {}
    batches = 0
    for user_id, kind in selectors.iter_fanout_recipients(post=post):
        buffer = buffers.setdefault(kind, [])
        buffer.append(user_id)
        if len(buffer) >= services.BATCH_SIZE:
            deliver_batch.delay(post.pk, kind, buffer)
            buffers[kind] = []
            batches += 1
    for kind, buffer in buffers.items():
        if buffer:
            deliver_batch.delay(post.pk, kind, buffer)
            batches += 1
    return batches


def on_post_published(event: events.PostPublished) -> None:
    fan_out(event.post)


# What each decision did, as its notification words it (kinds.DECISION_OUTCOMES).
DECISION_OUTCOMES = {
    "hold": "held",
    "approve": "approved",
    "reject": "rejected",
    "hide": "hidden",
    "remove": "removed",
    "restore": "restored",
    "edit": "edited",
    "hide_thread": "hidden",
    "remove_thread": "removed",
    "restore_thread": "restored",
}
APPEAL_OUTCOMES = {"appeal_lifted": "lifted", "appeal_upheld": "upheld"}


def on_decision_recorded(event: events.DecisionRecorded) -> None:
    """The author of a post or a thread (or the member whose sanction appeal it decides)
    hears of a decision that concerns them, unless it was their own doing. A post's or
    thread's newest decision replaces an unread notification of an earlier one."""
    if not event.tells_author or event.author_id in (None, event.actor_id):
        return
    if event.target_type == "user":
        services.notify_direct(
            recipient_id=event.author_id,
            kind="sanction_appeal_decided",
            event=f"decision:{event.entry_id}",
            actor_id=event.actor_id,
            outcome=APPEAL_OUTCOMES.get(event.action, ""),
            reason=event.told_reason,
        )
        return
    on_thread = event.target_type == "thread"
    services.notify_direct(
        recipient_id=event.author_id,
        kind="thread_moderated" if on_thread else "post_moderated",
        post_id=event.post_id,
        thread_id=event.thread_id,
        event=f"decision:{event.entry_id}",
        actor_id=event.actor_id,
        outcome=DECISION_OUTCOMES.get(event.action, ""),
        reason=event.told_reason,
        replaces=f"decisions:{event.target_type}:{event.target_id}",
        sequence=event.entry_id,
    )


def on_report_resolved(event: events.ReportResolved) -> None:
    services.notify_direct(
        recipient_id=event.reporter_id,
        kind="report_resolved",
        post_id=event.post_id,
        thread_id=event.thread_id,
        event=f"report:{event.report_id}",
        outcome="upheld" if event.upheld else "dismissed",
    )


def on_post_reacted(event: events.PostReacted) -> None:
    services.reaction_notify(
        post_id=event.post_id,
        thread_id=event.thread_id,
        author_id=event.author_id,
        actor_id=event.actor_id,
        kind=event.kind,
    )


def on_sanction_imposed(event: events.SanctionImposed) -> None:
    sanctions.sanction_notify(sanction_id=event.sanction_id)


def subscribe() -> None:
    hooks.record_participation_with(services.watch_auto)
    hooks.read_mutes_with(selectors.muted_among)
    events.subscribe(events.PostPublished, on_post_published)
    events.subscribe(events.DecisionRecorded, on_decision_recorded)
    events.subscribe(events.ReportResolved, on_report_resolved)
    events.subscribe(events.SanctionImposed, on_sanction_imposed)
    events.subscribe(events.PostReacted, on_post_reacted)
