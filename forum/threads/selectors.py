"""Reads of threads and posts, shaped for their callers: a page costs a fixed number of
queries whatever the thread's size."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, Exists, Expression, Max, OuterRef, Q, QuerySet, Value, When
from django.utils.functional import SimpleLazyObject, empty

from forum.accounts.models import User
from forum.core import fragments, permissions, requestmemo
from forum.core.errors import NotFound, ValidationFailed
from forum.core.pagination import Position
from forum.core.permissions import NO_POST_CAPABILITIES, PostCapabilities
from forum.threads.models import (
    Category,
    Post,
    PostRevision,
    PostState,
    Reaction,
    ReactionKind,
    Thread,
)
from forum.threads.rendering import QuotedPost, quotable_text

POSTS_PAGE_SIZE = 50
# How many levels of replies one page shows below its root (the opening post, or the
# post a branch page starts from); deeper replies continue on a branch page.
BRANCH_DEPTH = 8
# A post's place in reading order (Post.path): fixed-width base-36 segments, one a level.
_READING_PLACE = re.compile(rf"(?:[0-9a-z]{{{Post.SEGMENT_WIDTH}}}){{1,{Post.MAX_PATH_DEPTH}}}")


def reading_place(raw: object) -> str:
    """`raw` (an address's ?after=) as a post's place in reading order, or "" (the start)
    when it names none. Only a place is compared with posts' paths and names a page
    shared between readers: a NUL reached PostgreSQL, which refuses it (a 500), and any
    other string made a shared page of its own."""
    return raw if isinstance(raw, str) and _READING_PLACE.fullmatch(raw) else ""


def category_list() -> QuerySet[Category]:
    return Category.objects.order_by("position", "name")


def thread_list(
    *,
    user,
    category: Category | None = None,
    category_slug: str | None = None,
    author_username: str | None = None,
    created_after=None,
    created_before=None,
    state: str | None = None,
) -> QuerySet[Thread]:
    """The threads `user` may see, filtered. `state` narrows within what they may see, so
    only moderators find other members' pending, hidden or removed threads with it."""
    threads = Thread.objects.filter(permissions.visible_threads_q(user))
    if category is not None:
        threads = threads.filter(category=category)
    if category_slug:
        threads = threads.filter(category__slug=category_slug)
    if author_username:
        threads = threads.filter(author__username=author_username)
    if created_after is not None:
        threads = threads.filter(created_at__gte=created_after)
    if created_before is not None:
        threads = threads.filter(created_at__lt=created_before)
    if state:
        threads = threads.filter(state=state)
    return threads.select_related("category", "author").order_by(
        "-is_pinned", "-last_activity_at", "-pk"
    )


def thread_get(*, user, pk: int, with_facts: Mapping[str, Expression] | None = None) -> Thread:
    """The thread with its category and author, or NotFound if `user` may not see it.
    `with_facts` are expressions over the thread read in the same query, each set on it
    under its name (a reader's own facts about it, for one query instead of several)."""
    threads = Thread.objects.select_related("category", "author")
    if with_facts:
        threads = threads.annotate(**with_facts)
    thread = threads.filter(pk=pk).first()
    if thread is None or not permissions.can_view_thread(user, thread):
        raise NotFound("No such thread.")
    return thread


def post_get(*, user, pk: int) -> Post:
    """The post with its thread and author, or NotFound if `user` may not read it (or its
    thread), in the same words whether it is hidden or missing."""
    post = Post.objects.select_related("thread", "author").filter(pk=pk).first()
    if post is None or not permissions.can_read_post(user, post):
        raise NotFound("No such post.")
    return post


def post_for_author(*, user, pk: int) -> Post:
    """One of `user`'s own posts, whatever its state (for an appeal against its removal):
    anyone else's, or a missing one, is NotFound."""
    post = Post.objects.select_related("thread", "author").filter(pk=pk).first()
    if post is None:
        raise NotFound("No such post.")
    permissions.check_can_view_appeal(user, post)
    return post


def _public_posts() -> QuerySet[Post]:
    """Posts anyone may read: visible, not deleted, in a thread anyone may see."""
    anyone = AnonymousUser()
    return Post.objects.filter(
        permissions.visible_posts_q(anyone),
        permissions.visible_threads_q(anyone, prefix="thread__"),
    )


def quoted_posts(post_ids: Sequence[int]) -> dict[int, QuotedPost]:
    """The posts among `post_ids` that anyone may read, each with its author and the text
    a quote of it is checked against. One query."""
    rows = (
        _public_posts().filter(pk__in=post_ids).values_list("pk", "author__username", "body_html")
    )
    return {
        pk: QuotedPost(username=username, text=quotable_text(html)) for pk, username, html in rows
    }


def post_revisions(*, post: Post) -> QuerySet[PostRevision]:
    """`post`'s revisions, oldest first, with their editors."""
    return PostRevision.objects.filter(post=post).select_related("editor").order_by("number")


def revisions_withheld_below(*, user, post: Post) -> int:
    """The first revision of `post` whose text `user` may read: the revisions before a
    moderator's latest edit keep their text for those the permission authority allows
    (`can_read_replaced_text`). 0 when they may read every one."""
    if permissions.can_read_replaced_text(user, post):
        return 0
    moderated = (
        PostRevision.objects.filter(post=post)
        .exclude(editor_id=post.author_id)
        .aggregate(last=Max("number"))["last"]
    )
    return moderated or 0


def post_revision_get(*, post: Post, number: int) -> PostRevision:
    revision = post_revisions(post=post).filter(number=number).first()
    if revision is None:
        raise NotFound(f"Post {post.pk} has no revision {number}.")
    return revision


def post_for_reply(*, thread: Thread, pk: int) -> Post:
    """The post being replied to. A missing id, or a post of another thread, is refused in
    the same words as a hidden one, so a refusal reveals nothing."""
    post = Post.objects.filter(pk=pk, thread=thread).first()
    if post is None:
        raise ValidationFailed.for_field(
            "parent", "The post you are replying to is not in this thread.", code="bad_parent"
        )
    return post


def reply_target(*, user, thread: Thread, pk: int) -> Post:
    """The post of `thread` (its `thread` and `author` loaded) that a reply by `user`
    answers, if they may see it. A missing id, a post of another thread, a deleted one or
    one hidden from `user` are all refused in the same words (ValidationFailed, field
    "parent"), so a refusal reveals nothing of what exists."""
    post = (
        Post.objects.select_related("author")
        .filter(pk=pk, thread=thread, deleted_at__isnull=True)
        .first()
    )
    if post is not None:
        post.thread = thread
    if post is None or not permissions.can_view_post(user, post):
        raise ValidationFailed.for_field(
            "parent", "The post you are replying to is not in this thread.", code="bad_parent"
        )
    return post


@dataclass(frozen=True)
class PostView:
    """A post as one reader sees it: `post` when they may read it, or a placeholder that
    keeps the branch together (`body_html` empty, `placeholder` saying why), with what
    the reader may do with it (`caps`, from forum.core.permissions)."""

    post: Post
    can_read: bool
    placeholder: str
    caps: PostCapabilities = field(default=NO_POST_CAPABILITIES)

    @property
    def body_html(self) -> str:
        return self.post.body_html if self.can_read else ""

    @property
    def reaction_counts(self) -> dict[str, int]:
        """The post's reactions by kind, none shown in a placeholder's stead."""
        return self.post.reaction_counts if self.can_read else {}


_PLACEHOLDERS = {
    PostState.HIDDEN: "This post is hidden while moderators review it.",
    PostState.REMOVED: "This post was removed by a moderator.",
}
# An opening post held for review keeps its place: the thread's replies hang from it.
_PENDING_OPENING = "This post is waiting for a moderator's approval."


def _as_seen_by(user, post: Post) -> PostView | None:
    if permissions.can_view_post(user, post):
        caps = permissions.post_capabilities(user, post)
        return PostView(post=post, can_read=True, placeholder="", caps=caps)
    if post.deleted_at is not None:
        return PostView(post=post, can_read=False, placeholder="This post was deleted.")
    if post.state in _PLACEHOLDERS:
        return PostView(post=post, can_read=False, placeholder=_PLACEHOLDERS[post.state])
    if post.is_opening_post:
        return PostView(post=post, can_read=False, placeholder=_PENDING_OPENING)
    return None


def post_as_seen_by(*, user, post: Post) -> PostView | None:
    """`post` as `user` sees it on a page, or None when it is left out (another member's
    pending reply)."""
    return _as_seen_by(user, post)


def _shown_q(user, thread: Thread) -> Q:
    """The posts of `thread` a page shows `user`, readable or as placeholders: the SQL
    twin of `_as_seen_by` returning something."""
    if permissions.moderates_thread(user, thread):
        return Q()
    shown = ~Q(state=PostState.PENDING) | Q(deleted_at__isnull=False) | Q(position=1)
    if user.is_authenticated:
        shown |= Q(author_id=user.pk)
    return shown


# What a page never shows: a post's source, and everything of its author but their names
# (rows are shared between readers, see forum.core.fragments: no email or password hash).
_UNSHOWN = (
    "body_source",
    *(
        f"author__{f.name}"
        for f in User._meta.concrete_fields
        if f.name not in ("id", "username", "display_name")
    ),
)


def _page_rows(
    posts: QuerySet[Post], *, user, thread: Thread, deepest: int | None
) -> QuerySet[Post]:
    """The posts a page shows `user` in reading order, authors joined, and for the posts
    at `deepest` whether replies below them continue elsewhere (`has_deeper_replies`),
    all in the page's one query. Posts left out are left out here, before the caller's
    LIMIT, so a full page means more may follow."""
    posts = posts.filter(_shown_q(user, thread)).select_related("author").defer(*_UNSHOWN)
    if deepest is not None:
        posts = posts.filter(depth__lte=deepest).annotate(
            has_deeper_replies=Case(
                When(
                    depth=deepest,
                    then=Exists(Post.objects.filter(_shown_q(user, thread), parent=OuterRef("pk"))),
                ),
                default=Value(False),
            )
        )
    return posts.order_by("path")


def _unwrapped(user):
    """The user behind `request.user`'s lazy wrapper: a page asks a few hundred questions
    about its reader, and through the wrapper each attribute costs a call."""
    if isinstance(user, SimpleLazyObject):
        if user._wrapped is empty:
            user._setup()
        return user._wrapped
    return user


def _seen(user, posts) -> list[PostView]:
    """The page's posts as `user` sees them, with their capabilities, in one pass. Each
    post must hold its thread already (`post.thread`), so asking about it costs no
    query."""
    views = []
    user = _unwrapped(user)
    with requestmemo.remembering():
        for post in posts:
            view = _as_seen_by(user, post)
            if view is not None:
                views.append(view)
    return views


def _with_thread(posts, thread: Thread) -> list[Post]:
    """`posts` each holding `thread`'s own row, without the category and author read
    with it: rows may be shared between readers (see forum.core.fragments), and a
    member's email or password hash must not travel with them."""
    fields = Thread._meta.concrete_fields
    bare = Thread.from_db(
        thread._state.db,
        [field.attname for field in fields],
        [getattr(thread, field.attname) for field in fields],
    )
    posts = list(posts)
    for post in posts:
        post.thread = bare
    return posts


def thread_posts_page(
    *,
    user,
    thread: Thread,
    after_path: str = "",
    before_path: str | None = None,
    limit: int = POSTS_PAGE_SIZE,
    max_depth: int | None = None,
) -> list[PostView]:
    """One page of `thread` in reading order (parents before their replies), in one query:
    the posts after `after_path`, or with `before_path` the last `limit` before it.

    Posts `user` may not read appear as placeholders so replies keep their context;
    other members' pending posts are left out, since nobody else could have replied.
    With `max_depth`, deeper replies are left out and each post at that depth says in
    `has_deeper_replies` whether any continue below it (see `branch_posts_page`)."""
    # The rows are shared by every reader with the same view of this version of the
    # thread (see forum.core.fragments), and hold the thread as their builder read it:
    # the same version, so the same thread. Nobody changes them.
    view = content_view(user=user, thread=thread)
    if before_path is None:
        posts, place = Post.objects.filter(thread=thread, path__gt=after_path), after_path
    else:
        posts, place = Post.objects.filter(thread=thread, path__lt=before_path), f"<{before_path}"

    def read() -> list[Post]:
        shown = _page_rows(posts, user=user, thread=thread, deepest=max_depth)
        if before_path is None:
            return _with_thread(shown[:limit], thread)
        return _with_thread(list(shown.reverse()[:limit])[::-1], thread)

    rows = fragments.remembered(
        f"posts:{thread.pk}:{thread.version}:{view}:{place}:{limit}:{max_depth}", read
    )
    return _seen(user, rows)


def thread_author_ids(*, thread: Thread) -> QuerySet[Post]:
    """The ids of the members who wrote in `thread`, as a subquery (`author_id`)."""
    return Post.objects.filter(thread=thread).values("author_id")


def content_view(*, user, thread: Thread) -> str:
    """Which of `thread`'s posts `user` is shown (permissions.content_view): readers
    shown the same share a page's rows and its rendered posts."""
    return permissions.content_view(
        user, thread, unpublished_authors=lambda: _unpublished_authors(thread)
    )


def _unpublished_authors(thread: Thread) -> frozenset[int]:
    """The authors of `thread`'s pending, hidden and removed posts that are not deleted,
    as of its version: one query per version of the thread, shared by its readers."""
    return fragments.remembered(
        f"unpublished:{thread.pk}:{thread.version}",
        lambda: frozenset(
            Post.objects.filter(thread=thread, deleted_at__isnull=True)
            .exclude(state=PostState.VISIBLE)
            .values_list("author_id", flat=True)
            .distinct()
        ),
    )


def branch_posts_page(
    *,
    user,
    post: Post,
    after_path: str = "",
    limit: int = POSTS_PAGE_SIZE,
    levels: int = BRANCH_DEPTH,
) -> list[PostView]:
    """One page of the replies below `post`, `levels` deep, in reading order, seen as
    `thread_posts_page` shows them; `post` itself is not on it. Posts at the last level
    say in `has_deeper_replies` whether the branch goes on below them.

    A post's descendants are the posts whose path starts with its path, which is one
    indexed range query. That holds while `post` is less than Post.MAX_PATH_DEPTH - 1
    deep. Deeper, the paths of its replies are cut to their depth-(MAX_PATH_DEPTH - 2)
    ancestor's prefix, which they share with that ancestor's other descendants (see
    Post and services.child_path); there the page reads that wider range and keeps the
    posts whose parents lead back to `post`, looking up at most `levels` generations of
    parents (one query each, a page's worth of ids at most). Such a page may then hold
    fewer than `limit` posts while more follow; its last path still pages on."""
    deepest = post.depth + levels
    thread = post.thread
    rows, exact = _branch_rows(post)
    page = _page_rows(rows.filter(path__gt=after_path), user=user, thread=thread, deepest=deepest)[
        :limit
    ]
    if exact:
        return _seen(user, _with_thread(page, thread))
    below = _descendants_of(post, list(page), levels=levels)
    return _seen(user, _with_thread(below, thread))


def branch_earlier_posts(*, post: Post, target: Post, levels: int = BRANCH_DEPTH):
    """The posts before `target` in reading order on the branch pages below `post`
    (a superset where those pages read a wider range), for working out which page of
    the branch shows `target`."""
    rows, _ = _branch_rows(post)
    return rows.filter(depth__lte=post.depth + levels, path__lt=target.path)


def _branch_rows(post: Post) -> tuple[QuerySet[Post], bool]:
    """The rows that may be replies below `post`, and whether they all are."""
    prefix_depth = Post.MAX_PATH_DEPTH - 2
    if post.depth <= prefix_depth:
        rows = Post.objects.filter(
            thread_id=post.thread_id, path__startswith=post.path, depth__gt=post.depth
        )
        return rows, True
    # Below the cap paths follow writing order, and replies are written after `post`.
    rows = Post.objects.filter(
        thread_id=post.thread_id,
        path__startswith=post.path[: Post.SEGMENT_WIDTH * (prefix_depth + 1)],
        depth__gt=post.depth,
        position__gt=post.position,
    )
    return rows, False


def branch_root(*, post: Post, levels: int = BRANCH_DEPTH) -> Post:
    """The post whose branch page shows `post`, when `post` is deeper than a page goes:
    its ancestor at the last multiple of `levels` above it, the post whose "continue"
    link leads there. One query down to Post.MAX_PATH_DEPTH, a few more below."""
    depth = (post.depth - 1) // levels * levels
    if depth <= Post.MAX_PATH_DEPTH - 2:
        return Post.objects.get(
            thread_id=post.thread_id,
            depth=depth,
            path=post.path[: Post.SEGMENT_WIDTH * (depth + 1)],
        )
    ancestor = post
    while ancestor.depth > depth:  # at most `levels` steps
        ancestor = Post.objects.get(pk=ancestor.parent_id)
    return ancestor


def _descendants_of(root: Post, candidates: list[Post], *, levels: int) -> list[Post]:
    """The `candidates` that descend from `root`, in their order. Parents not among the
    candidates are looked up a generation at a time, at most `levels` times."""
    parent_of = {candidate.pk: candidate.parent_id for candidate in candidates}
    verdict: dict[int, bool] = {root.pk: True}
    unresolved = set(parent_of.values())
    for _ in range(levels):
        unresolved -= verdict.keys()
        unresolved -= parent_of.keys()
        if not unresolved:
            break
        for pk, parent_id in Post.objects.filter(pk__in=unresolved).values_list("pk", "parent_id"):
            parent_of[pk] = parent_id
        unresolved = {parent_of[pk] for pk in unresolved if pk in parent_of} - {None}

    def descends(pk: int | None, hops: int) -> bool:
        # Iterative walk up the known parents; anything unknown or too far is not below root.
        trail = []
        while pk is not None and pk not in verdict and hops <= levels and pk in parent_of:
            trail.append(pk)
            pk = parent_of[pk]
            hops += 1
        answer = verdict.get(pk, False) if pk is not None else False
        for seen in trail:
            verdict[seen] = answer
        return answer

    return [candidate for candidate in candidates if descends(candidate.parent_id, 1)]


# --- reactions ----------------------------------------------------------------------


def reaction_counts(post: Post) -> dict[str, int]:
    """Every reaction kind with `post`'s count of it (0 for none), in the kinds' order.
    Read from the post's row: no query."""
    return {kind: post.reaction_counts.get(kind, 0) for kind in ReactionKind.values}


def reactions_given(*, user, post_ids) -> frozenset[tuple[int, str]]:
    """The (post id, kind) of each reaction `user` gave to the posts `post_ids`: one
    indexed query (none for an anonymous reader or no posts)."""
    if not user.is_authenticated or not post_ids:
        return frozenset()
    return frozenset(
        Reaction.objects.filter(user=user, post_id__in=post_ids).values_list("post_id", "kind")
    )


def my_reactions(*, user, post: Post) -> list[str]:
    """The kinds of reaction `user` gave `post`, in the kinds' order. None on their own
    post, which takes no reactions from its author: known without a query."""
    if post.author_id == user.pk:
        return []
    given = reactions_given(user=user, post_ids=[post.pk])
    return [kind for kind in ReactionKind.values if (post.pk, kind) in given]


def reaction_summary(*, user, post: Post) -> dict:
    """`post`'s reactions as giving or taking one answers: its counts of every kind and
    the kinds `user` gave."""
    return {
        "post_id": post.pk,
        "reactions": reaction_counts(post),
        "my_reactions": my_reactions(user=user, post=post),
    }


def reaction_list(*, post: Post, kind: str | None = None) -> QuerySet[Reaction]:
    """Who reacted to `post` (which the caller may read), of `kind` or of any, the latest
    first, with each member's names and nothing else of them."""
    rows = (
        Reaction.objects.filter(post=post)
        .select_related("user")
        .only("id", "post_id", "kind", "created_at", "user__username", "user__display_name")
    )
    if kind is not None:
        rows = rows.filter(kind=kind)
    return rows.order_by("-created_at", "-pk")


# How a thread's replies may be ranked besides reading order: (value, tie-breaker), both
# descending.
RANKED_ORDERS = {
    "newest": ("position", "pk"),
    "reactions": ("reaction_total", "position"),
}


def thread_replies_ranked(
    *,
    user,
    thread: Thread,
    order: str,
    limit: int,
    position: Position | None = None,
    offset: int = 0,
) -> list[PostView]:
    """`thread`'s replies that `user` may read in full, as a flat list in `order` (see
    RANKED_ORDERS): `limit` of them after `offset`, or from a keyset `position` (its value
    and tie-breaker, read backwards for the page before it). One query, its rows shared
    like a page in reading order (`thread_posts_page`)."""
    value, key = RANKED_ORDERS[order]
    rows = Post.objects.filter(
        permissions.visible_posts_q(user), thread=thread, position__gt=1, deleted_at__isnull=True
    )
    backwards = position is not None and position.backwards
    if position is not None:
        beyond = "gt" if backwards else "lt"
        rows = rows.filter(
            Q(**{f"{value}__{beyond}": position.value})
            | Q(**{value: position.value, f"{key}__{beyond}": position.key})
        )
    sign = "" if backwards else "-"
    rows = rows.select_related("author").defer(*_UNSHOWN).order_by(f"{sign}{value}", f"{sign}{key}")
    view = content_view(user=user, thread=thread)
    place = "" if position is None else f"{position.value}:{position.key}:{backwards}"

    def read() -> list[Post]:
        page = list(rows[offset : offset + limit])
        return _with_thread(page[::-1] if backwards else page, thread)

    shared = fragments.remembered(
        f"ranked:{thread.pk}:{thread.version}:{view}:{order}:{place}:{offset}:{limit}", read
    )
    return _seen(user, shared)
