"""What integrators' webhooks hear of when something happens (forum.core.events).
Subscribed in WebhooksConfig.ready(). Event ids make every announcement safe to repeat."""

from forum.core import events
from forum.core.states import PostState
from forum.threads.models import Post, Thread
from forum.webhooks import payloads
from forum.webhooks.services import webhook_event

# Taking down a post or a thread readers could see: mirrors and search indexes drop it.
_TAKEN_DOWN = {PostState.HIDDEN: "hidden", PostState.REMOVED: "removed"}


def on_post_published(event: events.PostPublished) -> None:
    """Webhooks hear of a post when it becomes visible, exactly when members do."""
    post = event.post
    webhook_event(
        event="post.created",
        event_id=f"post.created:{post.pk}",
        payload=payloads.post_payload(post),
    )
    if post.is_opening_post:
        webhook_event(
            event="thread.created",
            event_id=f"thread.created:{post.thread_id}",
            payload=payloads.thread_payload(post.thread),
        )


def on_post_state_changed(event: events.PostStateChanged) -> None:
    """Only a post the public could read is announced as taken down: one that was never
    visible to them (held, then rejected) is nobody's business outside moderation."""
    _announce_take_down(
        event,
        kind="post",
        read=lambda: Post.objects.select_related("author").filter(pk=event.post_id).first(),
        payload=payloads.post_payload,
    )


def on_thread_state_changed(event: events.ThreadStateChanged) -> None:
    _announce_take_down(
        event,
        kind="thread",
        read=lambda: (
            Thread.objects.select_related("category", "author").filter(pk=event.thread_id).first()
        ),
        payload=payloads.thread_payload,
    )


def _announce_take_down(event, *, kind: str, read, payload) -> None:
    """`post.hidden`, `thread.removed` and the like, for what readers could see before."""
    change = _TAKEN_DOWN.get(event.after)
    if change is None or not event.was_public:
        return
    taken_down = read()
    if taken_down is None:
        return
    name = f"{kind}.{change}"
    webhook_event(
        event=name,
        event_id=f"{name}:{taken_down.pk}:{event.at.timestamp():.6f}",
        payload=payload(taken_down),
    )


def on_report_filed(event: events.ReportFiled) -> None:
    webhook_event(
        event="report.filed",
        event_id=f"report.filed:{event.report_id}",
        payload=payloads.report_payload(event),
        category_id=event.category_id,
    )


def on_queue_item_opened(event: events.QueueItemOpened) -> None:
    """Moderators' webhooks hear of new queue work they may act on: an item about a post
    reaches the moderators of its category, a sanction's appeal those of the whole forum."""
    name = "queue.item_opened" if event.review_item_id is not None else "queue.sanction_appealed"
    webhook_event(
        event=name,
        event_id=f"{name}:{event.alert_id}",
        payload=payloads.queue_item_payload(event),
        category_id=event.category_id,
    )


def subscribe() -> None:
    events.subscribe(events.PostPublished, on_post_published)
    events.subscribe(events.PostStateChanged, on_post_state_changed)
    events.subscribe(events.ThreadStateChanged, on_thread_state_changed)
    events.subscribe(events.ReportFiled, on_report_filed)
    events.subscribe(events.QueueItemOpened, on_queue_item_opened)
