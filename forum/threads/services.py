"""Writes to threads and posts. Every path that creates or changes a post comes here.

Each service checks permissions and validates first, renders Markdown outside the
transaction and has the submission screened (forum.threads.hooks), then writes inside
`transaction.atomic`. After commit, a stored revision is announced
(`events.RevisionStored`) for whatever checks it, and a post that became visible has its
fan-out task sent (forum.threads.tasks). A refusal raises a ForumError before anything is
stored.

Lock order
----------
Every transaction that writes a thread, its posts or a member's counters takes row locks
in one order, so that no two of them can each wait for the other (PostgreSQL would end
one after `deadlock_timeout` with a deadlock error, a 503 for a request):

1. the revisions a moderation check takes: without waiting (SKIP LOCKED), or as the
   transaction's first lock (moderation.check_queries);
2. threads, by ascending id: `threads_lock`, `post_lock` for a post's thread, or the
   UPDATE that gives a reply its position, before the transaction writes anything else;
3. members (`accounts_user`: post counts, last posted), by ascending id.

A step may be skipped, never taken out of turn. A service that may write a thread's rows
or counters locks the thread before its first write, even when that write is elsewhere
(a review item, a report), and a batch acting in several threads locks them all in one
statement before acting on any. A thread locked again in the same transaction is not
waited for, so nested services simply lock it again.

Rows that belong to a thread (its posts, their review items, reports and watches) are
written only under that thread's lock, or in a transaction that holds no other lock (a
report filed, a review item claimed), so they may be taken at any point after the
thread. Rows that belong to a member (notifications) come after members, by recipient.

Threads, posts and members are locked FOR NO KEY UPDATE (or by an UPDATE that changes no
key), never FOR UPDATE, unless the write changes a key (a merge or a split moves posts;
an edit points the post at its new revision), and then under the thread's lock. Django
defers foreign-key checks to COMMIT, where PostgreSQL takes FOR KEY SHARE on each row
referenced (a new post's thread, parent and author) in an order nobody chose; FOR KEY
SHARE waits for FOR UPDATE only.
"""

import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import slugify

from forum.accounts.models import User
from forum.core import events, pagecache, permissions
from forum.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from forum.core.tasks import send, sent_together
from forum.core.text import clean_text
from forum.threads import hooks, selectors
from forum.threads.drafts.services import draft_discard
from forum.threads.images import selectors as image_selectors
from forum.threads.models import (
    Category,
    Post,
    PostRevision,
    PostState,
    Reaction,
    ReactionKind,
    Thread,
)
from forum.threads.rendering import (
    RenderedPost,
    RenderedTooLarge,
    id_prefix_in,
    render_markdown,
)
from forum.threads.tasks import fan_out_post

logger = logging.getLogger(__name__)

TITLE_MIN_LENGTH = 3


def _clean_title(title: object) -> str:
    return clean_text(
        title,
        field="title",
        min_length=TITLE_MIN_LENGTH,
        max_length=settings.PARLEY["TITLE_MAX_LENGTH"],
        multiline=False,
    )


def clean_body(body: object) -> str:
    """A post's Markdown as every write checks it (and a preview, which costs no more)."""
    return clean_text(
        body,
        field="body",
        min_length=1,
        max_length=settings.PARLEY["BODY_MAX_LENGTH"],
        multiline=True,
    )


def body_render(body: str, *, post: Post | None = None, opening: bool = False) -> RenderedPost:
    """Render the cleaned `body` of a reply, of a new thread's opening post (`opening`),
    or of `post` (being edited or rendered again), its quotes checked against the posts
    they name and its images against the forum's own (a query each); a body too complex
    to display, or showing more images than a post may, is a ValidationFailed on `body`.
    Its footnote ids are the post's own: those `post` has, else new random ones, so two
    posts with the same text on a page never share them and an edit leaves unchanged
    paragraphs unchanged. A reply's heading ids carry the same prefix, so that no reply
    takes an anchor of the opening post's table of contents or of another reply; an
    opening post's stay plain ("h-method"), as links to its sections read."""
    id_prefix = (post and id_prefix_in(post.body_html)) or secrets.token_hex(4)
    if post is not None:
        opening = post.position == 1
    try:
        rendered = render_markdown(
            body,
            quoted_posts=selectors.quoted_posts,
            own_images=image_selectors.own_images,
            image_src=image_selectors.image_src_pattern(),
            footnote_id_prefix=id_prefix,
            heading_id_prefix=None if opening else id_prefix,
        )
    except RenderedTooLarge as exc:
        raise ValidationFailed.for_field(
            "body",
            f"This post is too complex to display: it {exc}. Split it up.",
            code="too_complex",
        ) from exc
    limit = settings.PARLEY["IMAGES_PER_POST"]
    if len(rendered.images) > limit:
        raise ValidationFailed.for_field(
            "body",
            f"This post shows {len(rendered.images)} images; a post may show {limit}.",
            code="too_many_images",
        )
    return rendered


def _slug_for(title: str) -> str:
    return slugify(title)[:80].strip("-") or "thread"


def path_segment(position: int) -> str:
    """The fixed-width base-36 key of one position; fixed width makes string order equal
    numeric order."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = []
    while position:
        position, remainder = divmod(position, 36)
        out.append(digits[remainder])
    return "".join(reversed(out)).rjust(Post.SEGMENT_WIDTH, "0")


def child_path(parent_path: str, position: int) -> str:
    width = Post.SEGMENT_WIDTH
    if len(parent_path) >= width * Post.MAX_PATH_DEPTH:
        # At the cap the child sorts beside its parent under their deepest indexed
        # ancestor; it was written later, so it still reads after its parent.
        parent_path = parent_path[: width * (Post.MAX_PATH_DEPTH - 1)]
    return parent_path + path_segment(position)


def _after_commit_check(revision_id: int) -> None:
    # The check is the business of whoever subscribed: if it cannot be enqueued (the
    # broker is down) the revision is stored already, and the checker's sweep finds it.
    events.publish(events.RevisionStored(revision_id=revision_id))


def _enqueue_fan_out(post_id: int) -> None:
    send(fan_out_post, post_id)


def _after_commit_publish(post_id: int) -> None:
    """Once `post` is visible and committed, send its fan-out. Deliveries are once per
    member and post, so publishing a post again notifies nobody twice. The caller has
    set the post's `fan_out_due_at` in the same transaction: should this enqueue be
    lost, the fan-out sweep sends it later."""

    def enqueue_fan_out() -> None:
        _enqueue_fan_out(post_id)

    transaction.on_commit(enqueue_fan_out, robust=True)


def _after_commit_reply(*, post_id: int, revision_id: int, publish: bool) -> None:
    """A new reply's fan-out (when it is visible) and its check, enqueued in one round
    trip once it has committed; either failing leaves the other sent, as apart."""

    def enqueue() -> None:
        with sent_together():
            if publish:
                try:
                    _enqueue_fan_out(post_id)
                except Exception:
                    logger.exception("Sending the fan-out of post %s failed; it is due", post_id)
            events.publish(events.RevisionStored(revision_id=revision_id))

    transaction.on_commit(enqueue, robust=True)


def _rendered_fields(rendered: RenderedPost, *, source: str) -> dict:
    """The fields a post derives from its text, stored with it so that reading a post
    never parses it: whom it mentions, which posts it quotes, its headings (for a table
    of contents) and its length in words (for a reading time)."""
    return {
        "mentions": list(rendered.mentions),
        "quoted_post_ids": list(rendered.quoted_post_ids),
        "headings": [list(heading) for heading in rendered.headings],
        "word_count": len(source.split()),
    }


def _store_revision(
    *,
    post: Post,
    number: int,
    editor,
    rendered: RenderedPost,
    source: str,
    title: str = "",
    reason: str = "",
) -> PostRevision:
    return PostRevision.objects.create(
        post=post,
        number=number,
        editor=editor,
        title=title,
        body_source=source,
        body_html=rendered.html,
        reason=reason,
    )


def _count_author_post(author_id: int, delta: int, when=None) -> None:
    """Count a post of the author's in or out. The member's row comes after the thread's
    in the lock order: the caller holds the thread."""
    changes = {"post_count": F("post_count") + delta}
    if when is not None:
        changes["last_posted_at"] = when
    User.objects.filter(pk=author_id).update(**changes)


def threads_lock(*thread_ids: int) -> None:
    """Lock these threads' rows until the transaction ends, in one statement and by
    ascending id (see "Lock order"). Must run in a transaction."""
    if thread_ids:
        list(
            Thread.objects.filter(pk__in=thread_ids)
            .order_by("pk")
            .select_for_update(no_key=True)
            .values_list("pk", flat=True)
        )


def post_lock(post: Post, *, key_change: bool = False) -> tuple[Post, Thread]:
    """Lock `post`'s thread, then the post (see "Lock order"), and return both as they
    are now; with `key_change` (the caller changes a key of the post's row), the post
    FOR UPDATE at once rather than by an upgrade later. A post moves to another thread
    only under its thread's lock (a merge or a split), so one that moved since `post`
    was read is looked for again in its new thread. Must run in a transaction; raises
    Post.DoesNotExist if the post is gone."""
    thread_id = post.thread_id
    while True:
        thread = Thread.objects.select_for_update(no_key=True).get(pk=thread_id)
        locked = (
            Post.objects.select_for_update(no_key=not key_change)
            .filter(pk=post.pk, thread_id=thread_id)
            .first()
        )
        if locked is not None:
            return locked, thread
        thread_id = Post.objects.values_list("thread_id", flat=True).get(pk=post.pk)


def thread_create(*, author, category: Category, title: object, body: object) -> Thread:
    """Start a thread in `category` with an opening post. Raises ForumError if refused."""
    permissions.check_can_post(author)
    title = _clean_title(title)
    body = clean_body(body)
    rendered = body_render(body, opening=True)
    state, reason = hooks.new_post_state(
        author=author, category=category, html=rendered.html, images=rendered.images
    )
    now = timezone.now()
    with transaction.atomic():
        thread = Thread.objects.create(
            category=category,
            title=title,
            slug=_slug_for(title),
            author=author,
            state=state,
            # A new thread held for review is held with its opening post.
            follows_opening_post=state != PostState.VISIBLE,
            last_position=1,
            last_activity_at=now,
            created_at=now,
        )
        post = Post.objects.create(
            thread=thread,
            author=author,
            position=1,
            published_position=1,
            depth=0,
            path=path_segment(1),
            state=state,
            state_reason=reason,
            body_source=body,
            body_html=rendered.html,
            created_at=now,
            fan_out_due_at=now if state == PostState.VISIBLE else None,
            **_rendered_fields(rendered, source=body),
        )
        revision = _store_revision(
            post=post, number=1, editor=author, rendered=rendered, source=body, title=title
        )
        post.current_revision = revision
        post.save(update_fields=["current_revision"])
        thread.opening_post = post
        thread.save(update_fields=["opening_post"])
        hooks.took_part(user=author, thread=thread)
        draft_discard(user=author)
        if state == PostState.VISIBLE:
            _count_author_post(author.pk, +1, when=now)
            _after_commit_publish(post.pk)
        _after_commit_check(revision.pk)
        _threads_changed(thread.pk)
    return thread


def post_create(*, author, thread: Thread, body: object, parent: Post | None = None) -> Post:
    """Reply in `thread`, to `parent` or, without one, to the opening post.

    Its transaction is four statements on PostgreSQL: one locks and counts the thread,
    hands back what the reply needs of it (position, lock, opening post) and reserves
    the revision's id, and then counts the author's post (in the lock order: thread,
    then member); then the post (already pointing at its revision), the revision, and
    the author's watch. Elsewhere the author's count and the post's pointer take a
    statement each."""
    permissions.check_can_reply(author, thread)
    if parent is not None and parent.thread_id == thread.pk:
        parent.thread = thread  # read already: asking about the parent costs no query
    if parent is not None and (
        parent.thread_id != thread.pk or not permissions.can_reply_to_post(author, parent)
    ):
        # The same words whether the post is elsewhere or hidden: nothing is revealed.
        raise ValidationFailed.for_field(
            "parent", "The post you are replying to is not in this thread.", code="bad_parent"
        )
    body = clean_body(body)
    rendered = body_render(body)
    category = thread.category
    state, reason = hooks.new_post_state(
        author=author, category=category, html=rendered.html, images=rendered.images
    )
    visible = state == PostState.VISIBLE
    with transaction.atomic():
        now = timezone.now()
        slot = _take_reply_slot(thread_id=thread.pk, author_id=author.pk, visible=visible, now=now)
        if slot.is_locked and not permissions.can_moderate_category(author, category):
            raise PermissionDenied(
                "This thread is locked; replies are closed.", code="thread_locked"
            )
        if parent is None:
            if slot.opening_post_id is None:  # merged into another thread
                raise PermissionDenied(
                    "This thread was merged into another; reply there.", code="thread_merged"
                )
            parent_id, parent_path, parent_depth = (
                slot.opening_post_id,
                slot.opening_path,
                slot.opening_depth,
            )
        else:
            parent_id, parent_path, parent_depth = parent.pk, parent.path, parent.depth
        # The post points at its revision's reserved id before the revision exists; the
        # foreign key is checked at commit (Django makes them deferred).
        post = Post.objects.create(
            thread=thread,
            author=author,
            parent_id=parent_id,
            position=slot.position,
            published_position=slot.position,
            depth=parent_depth + 1,
            path=child_path(parent_path, slot.position),
            state=state,
            state_reason=reason,
            body_source=body,
            body_html=rendered.html,
            created_at=now,
            fan_out_due_at=now if visible else None,
            current_revision_id=slot.revision_id,
            **_rendered_fields(rendered, source=body),
        )
        if parent is not None:
            post.parent = parent
        revision = PostRevision.objects.create(
            id=slot.revision_id,
            post=post,
            number=1,
            editor=author,
            title="",
            body_source=body,
            body_html=rendered.html,
            reason="",
        )
        if slot.revision_id is None:
            Post.objects.filter(pk=post.pk).update(current_revision=revision)
        post.current_revision = revision
        if visible and not slot.author_counted:
            _count_author_post(author.pk, +1, when=now)
        _after_commit_reply(post_id=post.pk, revision_id=revision.pk, publish=visible)
        _threads_changed(thread.pk)
        hooks.took_part(user=author, thread=thread)
        draft_discard(user=author, thread=thread)
    return post


@dataclass(frozen=True)
class _ReplySlot:
    position: int
    is_locked: bool
    opening_post_id: int | None
    opening_path: str | None
    opening_depth: int | None
    # PostgreSQL only; elsewhere these take statements of their own.
    revision_id: int | None
    author_counted: bool


# One UPDATE instead of a SELECT ... FOR UPDATE of the thread, a read of its opening post
# and a second UPDATE: it takes the same row lock, so concurrent replies to one thread
# still get consecutive positions. A refusal afterwards rolls it back.
_TAKE_REPLY_SLOT = """
UPDATE threads_thread
SET last_position = last_position + 1, version = version + 1{visible}
WHERE id = %(thread)s
RETURNING last_position, is_locked, opening_post_id,
    (SELECT path FROM threads_post WHERE id = threads_thread.opening_post_id),
    (SELECT depth FROM threads_post WHERE id = threads_thread.opening_post_id)
"""
_VISIBLE_REPLY = ", reply_count = reply_count + 1, last_activity_at = %(now)s"
# PostgreSQL: the same statement also reserves the revision's id and, for a visible
# reply, counts the author's post. The member's row is updated only once the thread's
# is (the lock order): `counted` reads `slot`, so it cannot run first.
_POSTGRESQL_TAKE_REPLY_SLOT = """
WITH slot AS (
    UPDATE threads_thread
    SET last_position = last_position + 1, version = version + 1{visible}
    WHERE id = %(thread)s
    RETURNING last_position, is_locked, opening_post_id
), counted AS (
    UPDATE accounts_user SET post_count = post_count + 1, last_posted_at = %(now)s
    WHERE id = %(author)s AND %(visible)s AND EXISTS (SELECT FROM slot)
)
SELECT slot.last_position, slot.is_locked, slot.opening_post_id, opening.path, opening.depth,
    nextval(pg_get_serial_sequence('threads_postrevision', 'id'))
FROM slot LEFT JOIN threads_post opening ON opening.id = slot.opening_post_id
"""


def _take_reply_slot(*, thread_id: int, author_id: int, visible: bool, now) -> _ReplySlot:
    """Give the next position in the thread to a new reply and count it (a visible one
    in `reply_count` and last activity as well) and bump the thread's version; return
    the position with what the reply needs of the thread. Must run in a transaction:
    the thread's row stays locked until it ends."""
    postgresql = connection.vendor == "postgresql"
    template = _POSTGRESQL_TAKE_REPLY_SLOT if postgresql else _TAKE_REPLY_SLOT
    sql = template.format(visible=_VISIBLE_REPLY if visible else "")
    params = {
        "thread": thread_id,
        "author": author_id,
        "visible": visible,
        "now": connection.ops.adapt_datetimefield_value(now),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise NotFound("No such thread.")
    position, is_locked, opening_post_id, opening_path, opening_depth, *reserved = row
    return _ReplySlot(
        position=position,
        is_locked=bool(is_locked),
        opening_post_id=opening_post_id,
        opening_path=opening_path,
        opening_depth=opening_depth,
        revision_id=reserved[0] if reserved else None,
        author_counted=postgresql and visible,
    )


def post_edit(
    *, editor, post: Post, body: object, title: object | None = None, reason: str = ""
) -> PostRevision:
    """Store a new revision of `post`. Editing to the same text changes nothing and
    returns the current revision. `title` applies to opening posts only."""
    permissions.check_can_edit_post(editor, post)
    body = clean_body(body)
    thread = post.thread
    new_title = None
    if title is not None:
        if not post.is_opening_post:
            raise ValidationFailed.for_field(
                "title", "Only the opening post of a thread has a title.", code="not_opening_post"
            )
        new_title = _clean_title(title)
        if new_title == thread.title:
            new_title = None
        else:
            permissions.check_can_retitle(editor, post)
    reason = clean_text(reason, field="reason", min_length=0, max_length=300, multiline=False)
    if body == post.body_source and new_title is None:
        return post.current_revision
    rendered = body_render(body, post=post)
    hooks.check_edit(
        author=editor,
        category=thread.category,
        html=rendered.html,
        post=post,
        images=rendered.images,
    )
    with transaction.atomic():
        # The post's revision pointer is one of its keys.
        locked, _ = post_lock(post, key_change=True)
        number = locked.revision_count + 1
        revision = _store_revision(
            post=locked,
            number=number,
            editor=editor,
            rendered=rendered,
            source=body,
            title=new_title or (thread.title if locked.is_opening_post else ""),
            reason=reason,
        )
        now = timezone.now()
        Post.objects.filter(pk=locked.pk).update(
            body_source=body,
            body_html=rendered.html,
            current_revision=revision,
            revision_count=number,
            edited_at=now,
            **_rendered_fields(rendered, source=body),
        )
        if new_title is not None:
            Thread.objects.filter(pk=thread.pk).update(title=new_title, slug=_slug_for(new_title))
        thread_touch(thread_id=thread.pk)
        _after_commit_check(revision.pk)
    post.refresh_from_db()
    if new_title is not None:
        thread.refresh_from_db()
    return revision


def post_delete(*, actor, post: Post) -> bool:
    """Soft-delete `post`: readers see a placeholder, moderators keep the content.
    Deleting an opening post deletes the thread. Returns False if already deleted."""
    permissions.check_can_delete_post(actor, post)
    with transaction.atomic():
        locked, thread = post_lock(post)
        if locked.deleted_at is not None:
            return False
        Post.objects.filter(pk=locked.pk).update(deleted_at=timezone.now(), deleted_by=actor)
        if locked.is_opening_post:
            Thread.objects.filter(pk=thread.pk).update(is_deleted=True)
        if locked.state == PostState.VISIBLE:
            _count_author_post(locked.author_id, -1)
        thread_refresh_counters(thread_id=thread.pk)
    post.refresh_from_db()
    return True


def _clean_reaction_kind(kind: object) -> str:
    if kind not in ReactionKind.values:
        raise ValidationFailed.for_field(
            "kind", f"Choose one of: {', '.join(ReactionKind.values)}.", code="invalid_choice"
        )
    return kind


def reaction_add(*, user, post: Post, kind: object) -> bool:
    """Give `post` a reaction of `kind` from `user`. Returns False when they had given it
    already (nothing changes). Raises ForumError if refused (see
    permissions.check_can_react)."""
    return _reaction_set(user=user, post=post, kind=kind, given=True)


def reaction_remove(*, user, post: Post, kind: object) -> bool:
    """Take back `user`'s reaction of `kind` on `post`. Returns False when there was none.
    Refused as giving it would be: a silenced member leaves things as they stand."""
    return _reaction_set(user=user, post=post, kind=kind, given=False)


def _reaction_set(*, user, post: Post, kind: object, given: bool) -> bool:
    """Add or remove one reaction row and count it on the post, in one transaction that
    holds the post (so its counts follow its rows exactly) and raises its thread's
    version (so every page built from the thread shows the new counts)."""
    permissions.check_can_react(user, post)
    kind = _clean_reaction_kind(kind)
    with transaction.atomic():
        locked, thread = post_lock(post)
        locked.thread = thread
        # The post may have been hidden, or the member silenced, since it was read.
        permissions.check_can_react(user, locked)
        if given:
            _, changed = Reaction.objects.get_or_create(user=user, post=locked, kind=kind)
        else:
            changed = Reaction.objects.filter(user=user, post=locked, kind=kind).delete()[0] > 0
        if not changed:
            return False
        delta = 1 if given else -1
        counts = {**locked.reaction_counts, kind: locked.reaction_counts.get(kind, 0) + delta}
        counts = {name: count for name, count in counts.items() if count > 0}
        Post.objects.filter(pk=locked.pk).update(
            reaction_counts=counts, reaction_total=F("reaction_total") + delta
        )
        thread_touch(thread_id=thread.pk)
        if given:
            events.publish(
                events.PostReacted(
                    post_id=locked.pk,
                    thread_id=thread.pk,
                    author_id=locked.author_id,
                    actor_id=user.pk,
                    kind=kind,
                )
            )
    post.reaction_counts = counts
    post.reaction_total = locked.reaction_total + delta
    return True


def post_set_state(*, post: Post, state: str, reason: str = "", with_thread: bool = False) -> bool:
    """Move `post` to a moderation state. Returns False if it was already there.
    Callers (moderation actions, the checks) have checked the actor's permission.

    Hiding or removing an opening post takes down that post only: its thread and the
    replies stay readable, with a placeholder where it was. The thread goes with it when
    `with_thread` says the decision is on the thread as a whole (the checks' verdict on
    a new thread), or while the thread is down with its opening post already (a new
    thread held for review); such a thread comes back when its opening post does."""
    now = timezone.now()
    with transaction.atomic():
        locked, thread = post_lock(post)
        if locked.state == state:
            return False
        was_public = (
            locked.state == PostState.VISIBLE
            and locked.deleted_at is None
            and thread.state == PostState.VISIBLE
            and not thread.is_deleted
        )
        was_visible = locked.state == PostState.VISIBLE
        now_visible = state == PostState.VISIBLE
        publish = now_visible and locked.deleted_at is None
        published = {}
        if publish:
            # Read marks may have passed its place while it was out of sight: it takes
            # the next place in the order readers follow, so it is new to them.
            published = {"fan_out_due_at": now, "published_position": _take_position(thread.pk)}
        Post.objects.filter(pk=locked.pk).update(state=state, state_reason=reason, **published)
        if was_visible != now_visible and locked.deleted_at is None:
            _count_author_post(locked.author_id, +1 if now_visible else -1)
        if locked.is_opening_post:
            _thread_follow(thread, state=state, with_thread=with_thread)
        if publish:
            _after_commit_publish(locked.pk)
        thread_refresh_counters(thread_id=thread.pk)
        events.publish(
            events.PostStateChanged(
                post_id=locked.pk,
                thread_id=thread.pk,
                category_id=thread.category_id,
                before=locked.state,
                after=state,
                was_public=was_public,
                at=now,
            )
        )
    post.refresh_from_db()
    return True


_TAKE_POSITION = (
    "UPDATE threads_thread SET last_position = last_position + 1 WHERE id = %s "
    "RETURNING last_position"
)


def _take_position(thread_id: int) -> int:
    """The thread's next position, for a post made visible (see Post.published_position).
    Runs in the caller's transaction, which holds the thread's row."""
    with connection.cursor() as cursor:
        cursor.execute(_TAKE_POSITION, [thread_id])
        return cursor.fetchone()[0]


def _thread_follow(thread: Thread, *, state: str, with_thread: bool) -> None:
    """The thread's part when its opening post moves to `state` (see post_set_state).
    Runs in the caller's transaction, which holds the opening post's row."""
    if state == PostState.VISIBLE:
        Thread.objects.filter(pk=thread.pk, follows_opening_post=True).update(
            state=PostState.VISIBLE, follows_opening_post=False
        )
    elif with_thread or thread.follows_opening_post:
        Thread.objects.filter(pk=thread.pk).update(state=state, follows_opening_post=True)


def thread_set_state(*, thread: Thread, state: str) -> bool:
    """Take a whole thread down (pending, hidden, removed) or bring it back (visible),
    whatever its opening post's state. Returns False when it was in `state` already.
    Callers (moderation actions, which log the reason) have checked the actor's
    permission."""
    if state not in PostState.values:
        raise ValidationFailed.for_field(
            "state", f"Choose one of: {', '.join(PostState.values)}.", code="invalid_choice"
        )
    with transaction.atomic():
        locked = Thread.objects.select_for_update(no_key=True).get(pk=thread.pk)
        if locked.state == state and not locked.follows_opening_post:
            return False
        Thread.objects.filter(pk=locked.pk).update(
            state=state, follows_opening_post=False, version=F("version") + 1
        )
        _threads_changed(locked.pk)
        if locked.state != state:
            events.publish(
                events.ThreadStateChanged(
                    thread_id=locked.pk,
                    category_id=locked.category_id,
                    before=locked.state,
                    after=state,
                    was_public=locked.state == PostState.VISIBLE and not locked.is_deleted,
                    at=timezone.now(),
                )
            )
    thread.refresh_from_db()
    return True


def thread_refresh_counters(*, thread_id: int) -> None:
    """Recount a thread's visible replies and last activity from its posts. Runs in the
    caller's transaction, which holds the thread's row (see "Lock order")."""
    replies = Post.objects.filter(
        thread_id=thread_id, state=PostState.VISIBLE, deleted_at__isnull=True, position__gt=1
    )
    summary = replies.aggregate(last=Max("created_at"))
    thread = Thread.objects.get(pk=thread_id)
    Thread.objects.filter(pk=thread_id).update(
        reply_count=replies.count(),
        last_activity_at=summary["last"] or thread.created_at,
        version=F("version") + 1,
    )
    _threads_changed(thread_id)


def post_rerender(*, post: Post) -> bool:
    """Render `post`'s current text again with today's renderer (after it learned new
    syntax, such as footnotes) and store the result on the post and its current revision;
    whether anything changed. Its text, state and history are left as they are. A body
    today's renderer refuses keeps its stored rendering."""
    try:
        rendered = body_render(post.body_source, post=post)
    except ValidationFailed:
        return False
    fields = {"body_html": rendered.html, **_rendered_fields(rendered, source=post.body_source)}
    if all(getattr(post, name) == value for name, value in fields.items()):
        return False
    with transaction.atomic():
        Post.objects.filter(pk=post.pk).update(**fields)
        PostRevision.objects.filter(pk=post.current_revision_id).update(body_html=rendered.html)
        thread_touch(thread_id=post.thread_id)
    for name, value in fields.items():
        setattr(post, name, value)
    return True


def thread_touch(*, thread_id: int) -> None:
    """Mark that something in the thread changed, so cached renderings and ETags of it
    stop matching."""
    Thread.objects.filter(pk=thread_id).update(version=F("version") + 1)
    _threads_changed(thread_id)


def _threads_changed(*thread_ids: int) -> None:
    """Pages of these threads, and lists of threads, cached for anonymous readers are
    stale: at once and again once this commits (see pagecache.tokens_changed). Every
    change to a thread that bumps its `version` calls this too."""
    pagecache.threads_changed(*thread_ids)


def thread_set_flags(
    *, thread: Thread, is_locked: bool | None = None, is_pinned: bool | None = None
) -> bool:
    """Lock/unlock or pin/unpin `thread`. Returns False when nothing changed."""
    changes = {}
    if is_locked is not None and thread.is_locked != is_locked:
        changes["is_locked"] = is_locked
    if is_pinned is not None and thread.is_pinned != is_pinned:
        changes["is_pinned"] = is_pinned
    if not changes:
        return False
    Thread.objects.filter(pk=thread.pk).update(**changes, version=F("version") + 1)
    _threads_changed(thread.pk)
    for name, value in changes.items():
        setattr(thread, name, value)
    return True


def thread_move(*, thread: Thread, category: Category) -> bool:
    if thread.category_id == category.pk:
        return False
    Thread.objects.filter(pk=thread.pk).update(category=category, version=F("version") + 1)
    _threads_changed(thread.pk)
    thread.category = category
    return True


def _subtree(root: Post) -> list[Post]:
    """`root` and every reply below it, parents first. Walks parent links rather than
    path prefixes, which stop being exact below MAX_PATH_DEPTH."""
    posts = list(Post.objects.filter(thread_id=root.thread_id).order_by("path"))
    children: dict[int, list[Post]] = {}
    for post in posts:
        children.setdefault(post.parent_id, []).append(post)
    ordered, frontier = [], [next(p for p in posts if p.pk == root.pk)]
    while frontier:
        post = frontier.pop(0)
        ordered.append(post)
        frontier.extend(children.get(post.pk, []))
    return ordered


def _rehome(posts: list[Post], *, thread: Thread, new_parent: Post | None) -> None:
    """Give `posts` (a subtree, parents first) new positions and paths in `thread`, the
    first one under `new_parent`, or as the opening post when `new_parent` is None.
    Assumes the caller holds a row lock on `thread`."""
    position = thread.last_position
    placed: dict[int, Post] = {}
    for index, post in enumerate(posts):
        position += 1
        parent = new_parent if index == 0 else placed[post.parent_id]
        post.thread = thread
        post.position = post.published_position = position
        post.parent = parent
        post.depth = parent.depth + 1 if parent else 0
        post.path = child_path(parent.path, position) if parent else path_segment(position)
        placed[post.pk] = post
    Post.objects.bulk_update(
        posts, ["thread", "position", "published_position", "parent", "depth", "path"]
    )
    Thread.objects.filter(pk=thread.pk).update(last_position=position)


def thread_merge(*, source: Thread, target: Thread) -> None:
    """Move every post of `source` into `target`: the source's opening post becomes a
    reply to the target's, rendered again as one. The emptied source thread is
    soft-deleted."""
    if source.pk == target.pk:
        raise ValidationFailed.for_field("target", "A thread cannot be merged into itself.")
    with transaction.atomic():
        # Both threads, by id (see "Lock order"); FOR UPDATE, since the source loses its
        # opening post and the posts' keys move.
        rows = Thread.objects.select_for_update().filter(pk__in=[source.pk, target.pk])
        both = {thread.pk: thread for thread in rows.order_by("pk")}
        if len(both) != 2:
            raise Thread.DoesNotExist("A thread to merge is gone.")
        locked, source = both[target.pk], both[source.pk]
        for thread in (source, locked):
            if thread.opening_post_id is None or thread.is_deleted:
                raise Conflict(
                    f"“{thread.title}” was merged into another thread or deleted already.",
                    code="thread_merged",
                )
        opening = Post.objects.get(pk=source.opening_post_id)
        posts = _subtree(opening)
        _rehome(posts, thread=locked, new_parent=Post.objects.get(pk=locked.opening_post_id))
        # A reply now: its headings take a reply's ids, off the target's contents' anchors.
        post_rerender(post=posts[0])
        Thread.objects.filter(pk=source.pk).update(
            is_deleted=True, opening_post=None, reply_count=0
        )
        # The source's pages must go too: cached reads no longer look at its row.
        _threads_changed(source.pk)
        thread_refresh_counters(thread_id=target.pk)


def post_split(*, post: Post, title: object, category: Category | None = None) -> Thread:
    """Make `post` and its replies a new thread, with `post` as the opening post."""
    if post.is_opening_post:
        raise ValidationFailed.for_field(
            "post", "The opening post already starts its thread.", code="opening_post"
        )
    title = _clean_title(title)
    old_thread = post.thread
    with transaction.atomic():
        threads_lock(old_thread.pk)
        now = timezone.now()
        new_thread = Thread.objects.create(
            category=category or old_thread.category,
            title=title,
            slug=_slug_for(title),
            author=post.author,
            state=post.state,
            # A post split out while held or hidden makes a thread that stands or falls
            # with it, as a new thread does.
            follows_opening_post=post.state != PostState.VISIBLE,
            last_position=0,
            last_activity_at=now,
            created_at=post.created_at,
        )
        posts = _subtree(Post.objects.get(pk=post.pk))
        _rehome(posts, thread=new_thread, new_parent=None)
        # An opening post now: its headings take plain ids, the anchors of its contents.
        post_rerender(post=posts[0])
        Thread.objects.filter(pk=new_thread.pk).update(opening_post=post.pk)
        thread_refresh_counters(thread_id=new_thread.pk)
        thread_refresh_counters(thread_id=old_thread.pk)
    new_thread.refresh_from_db()
    post.refresh_from_db()
    return new_thread
