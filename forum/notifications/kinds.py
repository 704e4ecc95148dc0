"""Notification kinds, as a registry: each knows its text, its link and whether several
events fold into one unread notification."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NotificationKind:
    name: str
    # Formatted with actor, thread and count; a collapsed notification uses `plural`.
    text: str
    plural: str
    collapses: bool
    # When a member qualifies for several kinds for one post, the highest wins.
    priority: int
    # Told to one member about their own post, thread or report (a moderation outcome),
    # not through the fan-out: shown whatever the state of what it is about.
    direct: bool = False

    def describe(self, *, actor: str, thread: str, count: int) -> str:
        template = self.plural if count > 1 else self.text
        return template.format(actor=actor, thread=thread, count=count)


KINDS: dict[str, NotificationKind] = {}


def register(kind: NotificationKind) -> NotificationKind:
    KINDS[kind.name] = kind
    return kind


MENTION = register(
    NotificationKind(
        "mention",
        "{actor} mentioned you in “{thread}”",
        "{count} mentions of you in “{thread}”",
        collapses=False,
        priority=40,
    )
)
QUOTE = register(
    NotificationKind(
        "quote",
        "{actor} quoted you in “{thread}”",
        "{count} quotes of you in “{thread}”",
        collapses=False,
        priority=30,
    )
)
REPLY = register(
    NotificationKind(
        "reply",
        "{actor} replied to you in “{thread}”",
        "{count} replies to you in “{thread}”",
        collapses=True,
        priority=20,
    )
)
NEW_POST = register(
    NotificationKind(
        "new_post",
        "{actor} posted in “{thread}”",
        "{count} new posts in “{thread}”",
        collapses=True,
        priority=10,
    )
)
NEW_THREAD = register(
    NotificationKind(
        "new_thread",
        "{actor} started “{thread}”",
        "{count} new threads, the latest “{thread}”",
        collapses=False,
        priority=10,
    )
)
# To a post's author, one unread notification per post however many react.
REACTION = register(
    NotificationKind(
        "reaction",
        "{actor} reacted to your post in “{thread}”",
        "{count} reactions to your post in “{thread}”",
        collapses=True,
        priority=5,
    )
)

# Moderation outcomes reach the member concerned directly, not through the fan-out.
POST_MODERATED = register(
    NotificationKind(
        "post_moderated",
        "A moderator's decision on your post in “{thread}”",
        "{count} moderation decisions on your posts in “{thread}”",
        collapses=False,
        priority=50,
        direct=True,
    )
)
THREAD_MODERATED = register(
    NotificationKind(
        "thread_moderated",
        "A moderator's decision on your thread “{thread}”",
        "{count} moderation decisions on your thread “{thread}”",
        collapses=False,
        priority=50,
        direct=True,
    )
)
REPORT_RESOLVED = register(
    NotificationKind(
        "report_resolved",
        "Your report on a post in “{thread}” was resolved",
        "{count} of your reports in “{thread}” were resolved",
        collapses=False,
        priority=50,
        direct=True,
    )
)
SANCTION_IMPOSED = register(
    NotificationKind(
        "sanction_imposed",
        "A moderator restricted your account: see why, until when, and how to appeal",
        "{count} restrictions on your account",
        collapses=False,
        priority=50,
        direct=True,
    )
)
