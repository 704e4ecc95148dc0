"""The one place that answers "may this person do this to this?".

Views, the API, the admin and selectors ask here; nothing else decides. Reading
functions return booleans; `check_*` functions raise a ForumError that names the reason.
"""

from django.db.models import Q

from forum.core.errors import NotAuthenticated, NotFound, PermissionDenied
from forum.threads.models import Post, PostState, Thread

# Each sanction that stops a member posting, with the error code a client sees.
_POSTING_SANCTIONS = {
    "ban": ("Your account is banned.", "account_banned"),
    "suspend": ("Your account is suspended.", "account_suspended"),
    "silence": ("Your account is silenced: you can read but not post.", "account_silenced"),
}


def is_moderator(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_moderator)


def check_can_post(user) -> None:
    """Raise unless `user` may write posts at all (signed in, active, not sanctioned)."""
    from moderation.selectors import user_active_sanction_kinds

    if not user.is_authenticated:
        raise NotAuthenticated("Sign in to post.")
    if not user.is_active:
        raise PermissionDenied("This account is deactivated.", code="account_inactive")
    sanctions = user_active_sanction_kinds(user=user)
    for kind, (message, code) in _POSTING_SANCTIONS.items():
        if kind in sanctions:
            raise PermissionDenied(message, code=code)


def can_view_post(user, post: Post) -> bool:
    if is_moderator(user):
        return True
    if post.deleted_at is not None:
        return False
    if post.state == PostState.VISIBLE:
        return True
    # Authors see their own pending, hidden and removed posts, with the reason.
    return user.is_authenticated and post.author_id == user.pk


def can_view_thread(user, thread: Thread) -> bool:
    if is_moderator(user):
        return True
    if thread.is_deleted:
        return False
    if thread.state == PostState.VISIBLE:
        return True
    return user.is_authenticated and thread.author_id == user.pk


def check_can_view_thread(user, thread: Thread) -> None:
    if not can_view_thread(user, thread):
        raise NotFound("No such thread.")


def check_can_reply(user, thread: Thread) -> None:
    check_can_post(user)
    check_can_view_thread(user, thread)
    if thread.is_locked and not is_moderator(user):
        raise PermissionDenied("This thread is locked; replies are closed.", code="thread_locked")


def check_can_view_post_history(user, post: Post) -> None:
    """A post's revisions are for its author and moderators: an earlier revision may hold
    what a moderator edited out, so to anyone else the history does not exist (a 404, as
    the web UI's history page answers)."""
    allowed = is_moderator(user) or (
        user.is_authenticated
        and post.author_id == user.pk
        and can_view_thread(user, post.thread)
        and can_view_post(user, post)
    )
    if not allowed:
        raise NotFound("No such post.")


def check_can_edit_post(user, post: Post) -> None:
    # Whether the post may be seen comes before sanctions: a silenced member asking about
    # a hidden post must get the same 404 as for one that does not exist.
    if not user.is_authenticated:
        raise NotAuthenticated("Sign in to post.")
    if not can_view_post(user, post):
        raise NotFound("No such post.")
    check_can_post(user)
    if is_moderator(user):
        return
    if post.author_id != user.pk:
        raise PermissionDenied("Only the author can edit this post.", code="not_author")
    if post.deleted_at is not None or post.state == PostState.REMOVED:
        raise PermissionDenied("A removed post cannot be edited.", code="post_removed")
    if post.thread.is_locked:
        raise PermissionDenied(
            "This thread is locked; posts cannot be edited.", code="thread_locked"
        )


def check_can_delete_post(user, post: Post) -> None:
    if not user.is_authenticated:
        raise NotAuthenticated("Sign in to delete posts.")
    if is_moderator(user) or post.author_id == user.pk:
        return
    if not can_view_post(user, post):
        raise NotFound("No such post.")
    raise PermissionDenied("Only the author can delete this post.", code="not_author")


def visible_posts_q(user) -> Q:
    """Filter for the posts `user` may read in full. Readers also get placeholders for
    deleted posts that keep a visible branch together; see selectors."""
    if is_moderator(user):
        return Q()
    visible = Q(state=PostState.VISIBLE, deleted_at__isnull=True)
    if user.is_authenticated:
        return visible | Q(author_id=user.pk, deleted_at__isnull=True)
    return visible


def visible_threads_q(user, *, prefix: str = "") -> Q:
    """Filter for the threads `user` may see; with `prefix` (such as "thread__"), for rows
    that belong to such a thread."""
    if is_moderator(user):
        return Q()
    visible = Q(**{f"{prefix}state": PostState.VISIBLE, f"{prefix}is_deleted": False})
    if user.is_authenticated:
        return visible | Q(**{f"{prefix}author_id": user.pk, f"{prefix}is_deleted": False})
    return visible


def is_admin(user) -> bool:
    """Administrators see and change everything, in every category."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role == user.Role.ADMIN)
    )


def moderated_category_ids(user) -> frozenset[int] | None:
    """The categories `user` moderates: None for all of them (administrators, and
    moderators with no category scope), a set for category moderators, and an empty set
    for everyone else."""
    if not is_moderator(user):
        return frozenset()
    if is_admin(user):
        return None
    # Asked several times per page; the user object lives for one request (or task).
    cached = getattr(user, "_moderated_category_ids", False)
    if cached is not False:
        return cached
    from moderation.models import CategoryModerator

    scoped = frozenset(
        CategoryModerator.objects.filter(moderator_id=user.pk).values_list("category_id", flat=True)
    )
    user._moderated_category_ids = scoped or None
    return user._moderated_category_ids


def is_forum_moderator(user) -> bool:
    """A moderator of the whole forum, not of some categories only."""
    return is_moderator(user) and moderated_category_ids(user) is None


def moderated_q(user, *, category_field: str) -> Q:
    """Filter for rows in the categories `user` moderates; `category_field` is the path
    to the category from the filtered model (`post__thread__category`)."""
    scope = moderated_category_ids(user)
    if scope is None:
        return Q()
    return Q(**{f"{category_field}__in": scope})


def can_moderate_category(user, category) -> bool:
    scope = moderated_category_ids(user)
    return scope is None or getattr(category, "pk", category) in scope


def check_can_moderate(user, *, category=None) -> None:
    """Raise unless `user` may take moderator actions (in `category`, a Category or its
    id, when given)."""
    if not user.is_authenticated:
        raise NotAuthenticated("Sign in to moderate.")
    if not is_moderator(user):
        raise PermissionDenied("Only moderators can do this.", code="not_moderator")
    if category is not None and not can_moderate_category(user, category):
        raise PermissionDenied(
            "You moderate other categories, not this one.", code="not_category_moderator"
        )


def check_can_moderate_target(user, target) -> None:
    """Raise unless `user` may take a moderator action on `target`: a post or thread in a
    category they moderate, or a member (which needs a moderator of the whole forum)."""
    model = target._meta.model_name
    if model == "post":
        check_can_moderate(user, category=target.thread.category_id)
    elif model == "thread":
        check_can_moderate(user, category=target.category_id)
    else:
        check_can_moderate_forum(user)


def check_can_moderate_forum(user) -> None:
    """Raise unless `user` moderates the whole forum: site-wide decisions (sanctions,
    rules) are not for moderators of some categories only."""
    check_can_moderate(user)
    if not is_forum_moderator(user):
        raise PermissionDenied(
            "Only moderators of the whole forum can do this.", code="not_forum_moderator"
        )


def check_can_report(user, post: Post) -> None:
    if not user.is_authenticated:
        raise NotAuthenticated("Sign in to post.")
    if not can_view_post(user, post) or post.state != PostState.VISIBLE:
        raise NotFound("No such post.")
    check_can_post(user)
    if post.author_id == user.pk:
        raise PermissionDenied("You cannot report your own post.", code="own_post")


def check_can_sanction(actor, target) -> None:
    """Moderators sanction members; only admins may sanction a moderator, and nobody
    sanctions themselves."""
    check_can_moderate_forum(actor)
    if target.pk == actor.pk:
        raise PermissionDenied("You cannot sanction yourself.", code="self_sanction")
    if is_moderator(target) and not actor.is_superuser:
        raise PermissionDenied(
            "Only an administrator can sanction a moderator.", code="sanction_moderator"
        )


def check_can_appeal(user, post: Post) -> None:
    # Sanctioned members may still appeal: an appeal is how a wrong decision is undone.
    if not user.is_authenticated:
        raise NotAuthenticated("Sign in to appeal.")
    if post.author_id != user.pk:
        raise NotFound("No such post.")
    if post.state != PostState.REMOVED:
        raise PermissionDenied("Only a removed post can be appealed.", code="not_removed")
