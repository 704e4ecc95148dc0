"""Keeping and discarding drafts. A draft is saved as often as its composer asks (every
few seconds while the member types), so a save that changes nothing writes nothing."""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from forum.core import permissions
from forum.core.errors import Conflict, ValidationFailed
from forum.core.text import clean_text
from forum.threads import selectors as thread_selectors
from forum.threads.drafts.selectors import draft_key
from forum.threads.models import Category, Draft, Post, Thread


def _parent(user, thread: Thread | None, parent_id: int | None) -> Post | None:
    if thread is None or parent_id is None:
        return None
    try:
        return thread_selectors.reply_target(user=user, thread=thread, pk=parent_id)
    except ValidationFailed as exc:
        raise exc.with_field_named("parent", "parent_id") from None


def draft_save(
    *,
    user,
    thread: Thread | None = None,
    body: object,
    title: object = "",
    category: Category | None = None,
    parent_id: int | None = None,
    seen_updated_at: dt.datetime | None = None,
) -> Draft:
    """Keep `user`'s draft of a reply in `thread` (answering the post `parent_id`, if
    given) or, without a thread, of a new thread (with its `title` and `category`),
    replacing the one kept before. The body has the same limit as a post's; a draft needs
    a title or some text. A post `user` may not see is refused as one never made, before
    the text is looked at, so no refusal tells them apart.

    With `seen_updated_at` (when the caller's copy was last saved), a draft saved since
    from elsewhere is a Conflict (`draft_changed`) instead of being overwritten by an
    older copy, and a draft gone since (posted or discarded elsewhere) is a Conflict
    (`draft_gone`) instead of coming back: only a save without it starts a draft."""
    permissions.check_can_keep_draft(user, thread)
    parent = _parent(user, thread, parent_id)
    body = clean_text(
        body,
        field="body",
        min_length=0,
        max_length=settings.PARLEY["BODY_MAX_LENGTH"],
        multiline=True,
    )
    title = (
        ""
        if thread is not None
        else clean_text(
            title,
            field="title",
            min_length=0,
            max_length=settings.PARLEY["TITLE_MAX_LENGTH"],
            multiline=False,
        )
    )
    if not body and not title:
        raise ValidationFailed.for_field(
            "body", "A draft needs some text; to drop a draft, discard it.", code="empty_draft"
        )
    fields = {
        "title": title,
        "body": body,
        "category_id": category.pk if category is not None and thread is None else None,
        "parent_post_id": parent.pk if parent is not None else None,
    }
    with transaction.atomic():
        draft = Draft.objects.select_for_update().filter(user=user, **draft_key(thread)).first()
        if draft is None and seen_updated_at is not None:
            raise Conflict("This draft was posted or discarded elsewhere.", code="draft_gone")
        if draft is None:
            try:
                with transaction.atomic():
                    return Draft.objects.create(user=user, **draft_key(thread), **fields)
            except IntegrityError:
                # Another device saved the first draft at the same moment.
                draft = Draft.objects.select_for_update().get(user=user, **draft_key(thread))
        # A copy that says what is kept already overwrites nothing, however old: the
        # composer's save on leaving the field and the Preview it left it for carry the
        # same text and the same updated_at.
        if all(getattr(draft, name) == value for name, value in fields.items()):
            return draft
        if seen_updated_at is not None and draft.updated_at > seen_updated_at:
            raise Conflict(
                "This draft was saved from somewhere else since your copy was; load it "
                "again before saving over it.",
                code="draft_changed",
            )
        for name, value in fields.items():
            setattr(draft, name, value)
        draft.updated_at = timezone.now()
        draft.save(update_fields=[*fields, "updated_at"])
    return draft


def draft_discard(*, user, thread: Thread | None = None) -> bool:
    """Delete `user`'s draft of a reply in `thread` (or of a new thread); whether there
    was one. Publishing the post discards it too."""
    if not user.is_authenticated:
        return False
    deleted, _ = Draft.objects.filter(user=user, **draft_key(thread)).delete()
    return bool(deleted)
