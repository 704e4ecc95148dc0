"""Domain events: what happened, told to whoever subscribed, after it committed.

The code that makes something happen (publishes a post, records a decision, files a
report) only does that and publishes an event; notifications, webhooks and moderation
subscribe from their AppConfig.ready(). So a lower layer never calls a higher one, and a
decision that rolls back tells nobody.

Events carry ids and plain values, never model instances, except where the docstring of
one says otherwise. Subscribers must be safe to run twice for one event: a task that
delivers an event may be retried.
"""

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

_subscribers: dict[type, list[Callable[[Any], None]]] = {}


def subscribe(event_type: type, handler: Callable[[Any], None]) -> None:
    """Call `handler(event)` for every `event_type` event from now on (once, however often
    it is subscribed: ready() may run more than once in tests)."""
    handlers = _subscribers.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def subscribers(event_type: type) -> list[Callable[[Any], None]]:
    return list(_subscribers.get(event_type, ()))


def publish(event) -> None:
    """Tell the subscribers of `event` once the current transaction commits (at once when
    none is open). One subscriber failing is logged and does not stop the others; what
    must not be lost has a sweep of its own (checks, fan-outs, webhook deliveries)."""
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


# --- the events -----------------------------------------------------------------------


@dataclass(frozen=True)
class RevisionStored:
    """A post's text was stored (a new post, or an edit) and awaits its checks."""

    revision_id: int


@dataclass(frozen=True)
class PostPublished:
    """A post became visible to readers, in a thread they can see. Delivered by the
    publishing task (so it is retried, and sent again by its sweep if lost) with the
    post it read, its thread and parent loaded: `post`."""

    post: Any = field(compare=False)

    @property
    def post_id(self) -> int:
        return self.post.pk


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


@dataclass(frozen=True)
class DecisionRecorded:
    """A moderation decision was written to the log. For one about a post,
    `post_author_id` and `thread_id` name it; `tells_author` says whether its author
    should hear of it."""

    entry_id: int
    action: str
    actor_id: int | None
    target_type: str
    target_id: int
    post_author_id: int | None = None
    thread_id: int | None = None
    tells_author: bool = False


@dataclass(frozen=True)
class ReportFiled:
    report_id: int
    post_id: int
    category_id: int
    reason: str
    paragraph: int | None
    created_at: dt.datetime


@dataclass(frozen=True)
class ReportResolved:
    """A member's report was upheld or dismissed; its reporter may hear of it."""

    report_id: int
    reporter_id: int
    post_id: int
    thread_id: int
    upheld: bool
