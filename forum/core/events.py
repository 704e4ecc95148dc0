"""Domain events: what happened, told to whoever subscribed, after it committed.

The code that makes something happen (publishes a post, records a decision, files a
report) only does that and publishes an event; notifications, webhooks and moderation
subscribe from their AppConfig.ready(). So a lower layer never calls a higher one, and a
decision that rolls back tells nobody.

How an event is kept from being lost depends on the event:
- A **durable** event is stored (PendingEvent) in the transaction that makes it happen
  and told once that commits; the row goes when every subscriber has been told. A row
  still there after EVENT_GRACE_SECONDS (the process was lost after the commit, or a
  subscriber failed) is told again by the periodic sweep (`dispatch_overdue`).
- The others have a record of their own that a sweep reads: a stored revision stays
  unchecked until checked, a published post's fan-out stays due until done.

Events carry ids and plain values (durable ones must: they are stored as JSON), except
where the docstring of one says otherwise. Subscribers must be safe to run twice for one
event.
"""

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from forum.core.models import PendingEvent

logger = logging.getLogger(__name__)

_subscribers: dict[type, list[Callable[[Any], None]]] = {}
_durable: dict[str, type] = {}

# A stored event told this many times without success is left for a person to look at.
MAX_ATTEMPTS = 10


def subscribe(event_type: type, handler: Callable[[Any], None]) -> None:
    """Call `handler(event)` for every `event_type` event from now on (once, however often
    it is subscribed: ready() may run more than once in tests)."""
    handlers = _subscribers.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def subscribers(event_type: type) -> list[Callable[[Any], None]]:
    return list(_subscribers.get(event_type, ()))


def durable(event_type: type) -> type:
    """Class decorator: `event_type`'s events are stored until told (see the module)."""
    _durable[event_type.__name__] = event_type
    return event_type


def publish(event) -> None:
    """Tell the subscribers of `event` once the current transaction commits (at once when
    none is open). A durable event is stored in that transaction first; for the others,
    one subscriber failing is logged and does not stop the others."""
    if type(event).__name__ in _durable:
        stored = PendingEvent.objects.create(name=type(event).__name__, payload=_encode(event))
        transaction.on_commit(lambda: dispatch_stored(stored.pk), robust=True)
        return
    transaction.on_commit(lambda: _tell_each(event), robust=True)


def deliver(event) -> None:
    """Tell the subscribers of `event` now, letting a failure propagate: for a task,
    whose retry delivers the event again."""
    for handler in subscribers(type(event)):
        handler(event)


def _tell_each(event) -> None:
    for handler in subscribers(type(event)):
        try:
            handler(event)
        except Exception:
            logger.exception("%s failed on %r", getattr(handler, "__qualname__", handler), event)


def dispatch_stored(pk: int) -> bool:
    """Tell every subscriber of the stored event `pk`, in one transaction with deleting
    it: all of them are told, or the event stays for the sweep. Returns whether it was
    told now (False when another process holds it, it is gone, or a subscriber failed)."""
    try:
        with transaction.atomic():
            row = PendingEvent.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if row is None:
                return False
            deliver(_decode(row.name, row.payload))
            row.delete()
    except Exception:
        logger.exception("Telling stored event %s failed; the sweep tells it again", pk)
        PendingEvent.objects.filter(pk=pk).update(attempts=F("attempts") + 1)
        return False
    return True


def dispatch_overdue(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Tell the stored events older than EVENT_GRACE_SECONDS again, oldest first, and
    return how many were told. One told MAX_ATTEMPTS times without success is logged and
    left alone."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.PARLEY["EVENT_GRACE_SECONDS"])
    overdue = PendingEvent.objects.filter(created_at__lte=cutoff).order_by("created_at")
    stuck = overdue.filter(attempts__gte=MAX_ATTEMPTS).count()
    if stuck:
        logger.error("%d stored event(s) failed %d times and are left alone", stuck, MAX_ATTEMPTS)
    pks = list(overdue.filter(attempts__lt=MAX_ATTEMPTS).values_list("pk", flat=True)[:limit])
    return sum(dispatch_stored(pk) for pk in pks)


def _encode(event) -> dict:
    values = dataclasses.asdict(event)
    return {
        name: {"datetime": value.isoformat()} if isinstance(value, dt.datetime) else value
        for name, value in values.items()
    }


def _decode(name: str, payload: dict):
    values = {
        key: parse_datetime(value["datetime"]) if isinstance(value, dict) else value
        for key, value in payload.items()
    }
    return _durable[name](**values)


# --- the events -----------------------------------------------------------------------


@dataclass(frozen=True)
class RevisionStored:
    """A post's text was stored (a new post, or an edit) and awaits its checks."""

    revision_id: int


@dataclass(frozen=True)
class PostPublished:
    """A post became visible to readers, in a thread they can see. Delivered by the
    fan-out task (so it is retried, and sent again by its sweep if lost) with the post
    it read, its thread and parent loaded: `post`."""

    post: Any = field(compare=False)


@durable
@dataclass(frozen=True)
class PostStateChanged:
    """A post moved from one moderation state to another. `was_public` says whether
    anyone could read it before (it was visible and not deleted, in a thread anyone can
    see), so that subscribers never speak of a post the public never saw."""

    post_id: int
    thread_id: int
    category_id: int
    before: str
    after: str
    was_public: bool
    at: dt.datetime


@durable
@dataclass(frozen=True)
class ThreadStateChanged:
    """A whole thread was taken down or brought back. `was_public` as for a post."""

    thread_id: int
    category_id: int
    before: str
    after: str
    was_public: bool
    at: dt.datetime


@durable
@dataclass(frozen=True)
class DecisionRecorded:
    """A moderation decision was written to the log. For one about a post or a thread,
    `author_id` names whose it is and `thread_id` (and `post_id`, the thread's opening
    post for a thread) where; for one about a member that they are to hear of (their
    sanction appeal decided), `author_id` is that member. `tells_author` says whether
    they should hear of it, and `told_reason` is why, as they may read it: a moderator's
    reason, or for an automatic decision the kind of check, never a rule's internals."""

    entry_id: int
    action: str
    actor_id: int | None
    target_type: str
    target_id: int
    author_id: int | None = None
    thread_id: int | None = None
    post_id: int | None = None
    tells_author: bool = False
    told_reason: str = ""


@durable
@dataclass(frozen=True)
class ReportFiled:
    report_id: int
    post_id: int
    category_id: int
    reason: str
    paragraph: int | None
    created_at: dt.datetime


@durable
@dataclass(frozen=True)
class ReportResolved:
    """A member's report was upheld or dismissed; its reporter may hear of it."""

    report_id: int
    reporter_id: int
    post_id: int
    thread_id: int
    upheld: bool


@durable
@dataclass(frozen=True)
class QueueItemOpened:
    """New work entered the moderators' queue (moderation's QueueAlert `alert_id`): a
    review item about `post_id` in `category_id`, or, with no category, a sanction's
    appeal (`appeal_id`), which is for moderators of the whole forum. `source` says why
    (held, rule, reports, appeal, sanction_appeal)."""

    alert_id: int
    source: str
    review_item_id: int | None
    appeal_id: int | None
    post_id: int | None
    category_id: int | None
    opened_at: dt.datetime


@durable
@dataclass(frozen=True)
class SanctionImposed:
    """A sanction was placed on a member, who is to be told why, until when and how to
    appeal."""

    sanction_id: int
    user_id: int


@dataclass(frozen=True)
class PostReacted:
    """A member (`actor_id`) gave a reaction of `kind` to a post by `author_id`. Not
    stored: a lost one costs a notification of a reaction, which the post's counts
    still show."""

    post_id: int
    thread_id: int
    author_id: int
    actor_id: int
    kind: str
