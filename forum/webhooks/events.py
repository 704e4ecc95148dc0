"""The events an integrator can subscribe to. Adding one is an entry here and a call to
`services.webhook_event` where it happens; nothing else branches on event names."""

from dataclasses import dataclass
from enum import StrEnum


class Audience(StrEnum):
    MEMBERS = "members"
    # Moderators of the category the event is about.
    MODERATORS = "moderators"
    # Moderators of the whole forum: the event belongs to no category.
    FORUM_MODERATORS = "forum_moderators"


@dataclass(frozen=True)
class EventKind:
    description: str
    audience: Audience = Audience.MEMBERS


EVENTS: dict[str, EventKind] = {
    "post.created": EventKind("A post became visible to readers."),
    # Members may hear that a post they could read was taken down, so that mirrors and
    # search indexes can drop it too; the payload carries ids only.
    "post.hidden": EventKind("A visible post was hidden pending a moderator's decision."),
    "post.removed": EventKind("A visible post was removed by a moderator."),
    # Who reports what is moderation business, never a member's.
    "report.filed": EventKind("A member reported a post.", audience=Audience.MODERATORS),
    # New work in the review queue, for the moderators who may act on it; an item
    # another moderator has claimed already is not announced.
    "queue.item_opened": EventKind(
        "A post entered the review queue (held, queued by a rule, reported past the"
        " threshold, or appealed).",
        audience=Audience.MODERATORS,
    ),
    "queue.sanction_appealed": EventKind(
        "A member appealed a sanction.", audience=Audience.FORUM_MODERATORS
    ),
    "thread.created": EventKind("A thread became visible to readers."),
    # A whole thread taken down: every post of it is gone from readers' view.
    "thread.hidden": EventKind("A visible thread was hidden, with all its posts."),
    "thread.removed": EventKind("A visible thread was removed, with all its posts."),
}

# Sent on request to check a receiver; nobody subscribes to it.
PING = "ping"
