"""Notification kinds, as a registry: each knows its text, its link and whether several
events fold into one unread notification. A moderation outcome's kind words each outcome
(held, approved, removed...) in its own way, saying which post, who acted and why."""

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Wording:
    """What `describe` fills a kind's text with."""

    actor: str
    thread: str
    count: int = 1
    # "reply in “…”" or "thread “…”": which of the member's posts it is about.
    subject: str = ""
    # Who decided: "a moderator" or "an automatic check".
    by: str = ""
    # Why, ready to follow the sentence: ": <a moderator's reason>" or " (<the kind of
    # automatic check>)", or nothing.
    because: str = ""


@dataclass(frozen=True)
class NotificationKind:
    name: str
    # Formatted with a Wording's fields; a collapsed notification uses `plural`.
    text: str
    plural: str
    collapses: bool
    # When a member qualifies for several kinds for one post, the highest wins.
    priority: int
    # Told to one member about their own post, thread or report (a moderation outcome),
    # not through the fan-out: shown whatever the state of what it is about.
    direct: bool = False
    # Text by outcome, for kinds that have outcomes; `text` words one without.
    outcomes: Mapping[str, str] = field(default_factory=dict)

    def describe(self, wording: Wording, *, outcome: str = "") -> str:
        template = self.plural if wording.count > 1 else self.outcomes.get(outcome, self.text)
        return template.format(**vars(wording))


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

# Moderation outcomes reach the member concerned directly, not through the fan-out. A
# post's (or thread's) latest outcome replaces an unread earlier one: held, then
# approved, is one notification saying it was approved.
DECISION_OUTCOMES = {
    "held": "Your {subject} was held for a moderator's review by {by}{because}; until a "
    "moderator decides, only you and the moderators can see it",
    "approved": "Your {subject} was approved by {by} and is now visible",
    "rejected": "Your {subject} was rejected by {by}{because}",
    "hidden": "Your {subject} was hidden by {by}{because}",
    "removed": "Your {subject} was removed by {by}{because}",
    "restored": "Your {subject} was restored by {by} and is visible again",
    "edited": "Your {subject} was edited by {by}{because}",
}
POST_MODERATED = register(
    NotificationKind(
        "post_moderated",
        "A moderator's decision on your post in “{thread}”",
        "{count} moderation decisions on your posts in “{thread}”",
        collapses=False,
        priority=50,
        direct=True,
        outcomes=DECISION_OUTCOMES,
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
        outcomes=DECISION_OUTCOMES,
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
        outcomes={
            "upheld": "Your report on a post in “{thread}” was upheld: a moderator acted on it",
            "dismissed": "Your report on a post in “{thread}” was dismissed: a moderator "
            "found nothing to act on",
        },
    )
)
SANCTION_IMPOSED = register(
    NotificationKind(
        "sanction_imposed",
        "A moderator restricted your account{because}. You may appeal: the notice at the "
        "top of every page while it lasts, and the e-mail we sent, say how",
        "{count} restrictions on your account",
        collapses=False,
        priority=50,
        direct=True,
    )
)
SANCTION_APPEAL_DECIDED = register(
    NotificationKind(
        "sanction_appeal_decided",
        "Your appeal against the restriction on your account was decided{because}",
        "{count} appeals against restrictions on your account were decided",
        collapses=False,
        priority=50,
        direct=True,
        outcomes={
            "lifted": "Your appeal was granted: a moderator lifted the restriction on your "
            "account{because}",
            "upheld": "Your appeal was turned down: the restriction on your account stays{because}",
        },
    )
)
