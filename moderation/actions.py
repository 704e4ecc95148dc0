"""Moderator actions, as a registry. The admin, the moderator API and the web UI's inline
controls all go through `perform`, which checks permission, runs the action and writes
the moderation log, so no decision goes unrecorded."""

import datetime as dt
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from forum.accounts.models import User
from forum.core import permissions
from forum.core.errors import ForumError, NotFound, ValidationFailed
from forum.core.text import clean_text, whole_number
from forum.threads import services as thread_services
from forum.threads.models import Category, Post, PostState, Thread
from moderation import services
from moderation.log import log_record
from moderation.models import ReviewItem


@dataclass(frozen=True)
class ModerationAction:
    name: str
    label: str
    target: str  # "post", "thread" or "user"
    reason_required: bool
    run: Callable[..., bool]  # (actor=, target=, reason=, **params) -> changed?
    # Decides in the target's favour (approves or restores it): never its author's to do.
    clears: bool = False


@dataclass(frozen=True)
class ActionResult:
    action: str
    changed: bool
    message: str


ACTIONS: dict[str, ModerationAction] = {}


def register(
    name: str, label: str, *, target: str, reason_required: bool = False, clears: bool = False
):
    def decorator(run: Callable[..., bool]) -> Callable[..., bool]:
        ACTIONS[name] = ModerationAction(name, label, target, reason_required, run, clears)
        return run

    return decorator


def actions_for(target: str) -> list[ModerationAction]:
    return [action for action in ACTIONS.values() if action.target == target]


def check_allowed(action: ModerationAction, *, actor, target) -> None:
    """Raise unless `actor` may run `action` on `target` (forum.core.permissions)."""
    if action.clears:
        permissions.check_can_clear(actor, target)
    else:
        permissions.check_can_moderate_target(actor, target)


def allowed(action: ModerationAction, *, actor, target) -> bool:
    try:
        check_allowed(action, actor=actor, target=target)
    except ForumError:
        return False
    return True


def perform(name: str, /, *, actor, target, reason: str = "", **params) -> ActionResult:
    """Run the registered action `name` on `target` as `actor`, with the action's own
    `params` (parameters from a client go through
    `resolve_params` first). Reaching a state the target is already in changes nothing,
    writes no log entry and says so."""
    action = ACTIONS.get(name)
    if action is None:
        raise ValidationFailed.for_field("action", f"Unknown action “{name}”.")
    check_allowed(action, actor=actor, target=target)
    reason = clean_text(reason, field="reason", min_length=0, max_length=500, multiline=False)
    if action.reason_required and not reason:
        raise ValidationFailed.for_field("reason", f"Say why ({action.label}).", code="required")
    _check_params(action, params)
    with transaction.atomic():
        # The threads acted in come first, whatever the action goes on to write (the lock
        # order of forum.threads.services).
        thread_services.threads_lock(*_threads_of(target, *params.values()))
        changed = action.run(actor=actor, target=target, reason=reason, **params)
        if changed:
            log_record(
                actor=actor,
                action=name,
                target=target,
                reason=reason,
                details={key: _loggable(value) for key, value in params.items()},
            )
    message = f"{action.label}: done." if changed else f"{action.label}: nothing to change."
    return ActionResult(action=name, changed=changed, message=message)


# What every action is given by whoever runs it, never as one of its parameters.
_SET_BY_THE_CALLER = ("actor", "target", "reason")


def action_parameters(action: ModerationAction) -> dict[str, bool]:
    """The parameters `action` takes beyond its actor, target and reason, each with
    whether it must be given."""
    return {
        name: parameter.default is inspect.Parameter.empty
        for name, parameter in inspect.signature(action.run).parameters.items()
        if name not in _SET_BY_THE_CALLER
    }


def _check_params(action: ModerationAction, params: Mapping[str, object]) -> None:
    """Refuse parameters `action` does not take (the actor, target and reason among
    them: they are the request's own) and any it needs that are missing."""
    accepted = action_parameters(action)
    takes = f"{action.label} takes {', '.join(accepted) or 'no parameters'}."
    for name in params:
        if name in _SET_BY_THE_CALLER:
            raise ValidationFailed.for_field(
                "params", f"“{name}” is not a parameter: it is set by the request. {takes}"
            )
        if name not in accepted:
            raise ValidationFailed.for_field("params", f"Unknown parameter “{name}”. {takes}")
    missing = [name for name, required in accepted.items() if required and name not in params]
    if missing:
        raise ValidationFailed.for_field(
            "params", f"{action.label} needs {', '.join(missing)}.", code="required"
        )


def _threads_of(*objects) -> list[int]:
    """The ids of the threads that these posts and threads are, or are in."""
    ids = [obj.pk for obj in objects if isinstance(obj, Thread)]
    return ids + [obj.thread_id for obj in objects if isinstance(obj, Post)]


def _loggable(value):
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _close_review(post: Post, *, actor, approved: bool, reason: str) -> None:
    state = ReviewItem.State.APPROVED if approved else ReviewItem.State.REJECTED
    ReviewItem.objects.filter(post=post, state=ReviewItem.State.PENDING).update(
        state=state,
        decided_by=actor,
        decided_at=timezone.now(),
        decision_reason=reason,
        claimed_by=actor,
    )
    services.reports_resolve(post=post, upheld=not approved)


def review_item_decide(
    *, moderator, item: ReviewItem, approve: bool, reason: str = ""
) -> ReviewItem:
    """Approve (the post becomes visible, its reports are dismissed) or reject (the post
    is removed, its reports upheld), through the action registry so it is logged. The
    moderator must hold the claim, or take it now (not when they may not decide so)."""
    check_allowed(ACTIONS["approve" if approve else "remove"], actor=moderator, target=item.post)
    item = services.review_item_claim(moderator=moderator, item=item)
    perform("approve" if approve else "remove", actor=moderator, target=item.post, reason=reason)
    item.refresh_from_db()
    return item


# --- posts --------------------------------------------------------------------------


@register("approve", "Approve", target="post", clears=True)
def _approve(*, actor, target: Post, reason: str) -> bool:
    changed = services.post_make_visible(post=target)
    pending = ReviewItem.objects.filter(post=target, state=ReviewItem.State.PENDING).exists()
    _close_review(target, actor=actor, approved=True, reason=reason)
    return changed or pending


@register("hide", "Hide", target="post", reason_required=True)
def _hide(*, actor, target: Post, reason: str) -> bool:
    changed = thread_services.post_set_state(post=target, state=PostState.HIDDEN, reason=reason)
    if changed:
        services.review_item_open(post=target, reason=ReviewItem.Reason.RULE, severity=0.5)
    return changed


@register("remove", "Remove", target="post", reason_required=True)
def _remove(*, actor, target: Post, reason: str) -> bool:
    changed = thread_services.post_set_state(post=target, state=PostState.REMOVED, reason=reason)
    pending = ReviewItem.objects.filter(post=target, state=ReviewItem.State.PENDING).exists()
    _close_review(target, actor=actor, approved=False, reason=reason)
    return changed or pending


@register("restore", "Restore", target="post", clears=True)
def _restore(*, actor, target: Post, reason: str) -> bool:
    if target.state not in (PostState.HIDDEN, PostState.REMOVED):
        return False
    changed = services.post_make_visible(post=target)
    _close_review(target, actor=actor, approved=True, reason=reason)
    return changed


@register("edit", "Edit with a reason", target="post", reason_required=True)
def _edit(*, actor, target: Post, reason: str, body: str) -> bool:
    before = target.current_revision_id
    revision = thread_services.post_edit(editor=actor, post=target, body=body, reason=reason)
    return revision.pk != before


# --- threads ------------------------------------------------------------------------


@register("lock", "Lock", target="thread")
def _lock(*, actor, target: Thread, reason: str) -> bool:
    return thread_services.thread_set_flags(thread=target, is_locked=True)


@register("unlock", "Unlock", target="thread")
def _unlock(*, actor, target: Thread, reason: str) -> bool:
    return thread_services.thread_set_flags(thread=target, is_locked=False)


@register("hide_thread", "Hide the whole thread", target="thread", reason_required=True)
def _hide_thread(*, actor, target: Thread, reason: str) -> bool:
    return thread_services.thread_set_state(thread=target, state=PostState.HIDDEN)


@register("remove_thread", "Remove the whole thread", target="thread", reason_required=True)
def _remove_thread(*, actor, target: Thread, reason: str) -> bool:
    return thread_services.thread_set_state(thread=target, state=PostState.REMOVED)


@register("restore_thread", "Restore the thread", target="thread", clears=True)
def _restore_thread(*, actor, target: Thread, reason: str) -> bool:
    """Brings the thread back to readers; a hidden or removed opening post stays as it is
    (restore it on its own)."""
    return thread_services.thread_set_state(thread=target, state=PostState.VISIBLE)


@register("pin", "Pin", target="thread")
def _pin(*, actor, target: Thread, reason: str) -> bool:
    return thread_services.thread_set_flags(thread=target, is_pinned=True)


@register("unpin", "Unpin", target="thread")
def _unpin(*, actor, target: Thread, reason: str) -> bool:
    return thread_services.thread_set_flags(thread=target, is_pinned=False)


@register("move", "Move to another category", target="thread")
def _move(*, actor, target: Thread, reason: str, category: Category) -> bool:
    permissions.check_can_moderate(actor, category=category)
    return thread_services.thread_move(thread=target, category=category)


@register("merge", "Merge into another thread", target="thread", reason_required=True)
def _merge(*, actor, target: Thread, reason: str, into: Thread) -> bool:
    permissions.check_can_moderate(actor, category=into.category_id)
    thread_services.thread_merge(source=target, target=into)
    return True


@register("split", "Split into a new thread", target="post", reason_required=True)
def _split(*, actor, target: Post, reason: str, title: str) -> bool:
    thread_services.post_split(post=target, title=title)
    return True


# --- members ------------------------------------------------------------------------


def _sanction(kind: str):
    def run(*, actor, target, reason: str, ends_at: dt.datetime | str | None = None) -> bool:
        services.sanction_impose(
            actor=actor, user=target, kind=kind, reason=reason, ends_at=ends_at, record=False
        )
        return True

    return run


register("silence", "Silence (can read, cannot post)", target="user", reason_required=True)(
    _sanction("silence")
)
register("suspend", "Suspend (cannot log in)", target="user", reason_required=True)(
    _sanction("suspend")
)
register("ban", "Ban", target="user", reason_required=True)(_sanction("ban"))


def _seen_by(actor, obj) -> bool:
    """Whether `actor` may see `obj`, a post, thread or member an action names."""
    if isinstance(obj, Post):
        return permissions.can_read_post(actor, obj)
    if isinstance(obj, Thread):
        return permissions.can_view_thread(actor, obj)
    return True


def target_lookup(target_type: str, target_id: int, *, actor):
    """The object an action names, or NotFound when there is none that `actor` may see:
    looked up before anything else in the request is checked, so that a refusal says
    nothing of a post or thread out of their sight."""
    model = {"post": Post, "thread": Thread}.get(target_type, User)
    obj = model.objects.filter(pk=target_id).first()
    if obj is None or not _seen_by(actor, obj):
        raise NotFound(f"No such {target_type}.")
    return obj


# Parameters that name other objects arrive as ids from the API and the admin.
_PARAM_MODELS = {"category": Category, "into": Thread}
_LARGEST_ID = 2**63 - 1


def _object_id(value: object) -> int | None:
    """The id in `value` (a JSON integer or a string of digits, as a form sends), or None
    when it cannot be the id of any row."""
    if isinstance(value, str):
        value = whole_number(value, max_digits=len(str(_LARGEST_ID)))
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 1 <= value <= _LARGEST_ID else None


def resolve_params(action: str, raw: Mapping[str, object], *, actor) -> dict:
    """Turn an action's raw parameters (ids, text) into what its run function takes,
    refusing names the action does not take. An object `actor` may not see is refused as
    a missing one is."""
    _check_params(ACTIONS[action], raw)
    params = {}
    for name, value in raw.items():
        model = _PARAM_MODELS.get(name)
        if model is None:
            params[name] = value
            continue
        pk = _object_id(value)
        obj = model.objects.filter(pk=pk).first() if pk is not None else None
        if obj is None or not _seen_by(actor, obj):
            raise ValidationFailed.for_field(f"params.{name}", f"No such {name}.")
        params[name] = obj
    return params
