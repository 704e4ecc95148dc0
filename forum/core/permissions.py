"""The one place that answers "may this person do this to that?".

Views, serializers, templates (through the capabilities selectors hand them), the admin,
services and webhook deliveries ask here; nothing else decides. Each rule is written
once, as a function that returns the refusal (a ForumError naming the reason) or None;
`check_*` raises it and `can_*` and the capability sets read it, so a page never offers
what the service would refuse.

This module sits in the lowest layer and imports nothing above it. What it asks of the
objects it is given:
- a member (forum.accounts.models.User, or Django's AnonymousUser): `is_authenticated`,
  `is_active`, `pk`, the roles held (`is_moderator`, `is_administrator`), and the facts
  `active_sanction_kinds()` and `moderation_scope()`, each read once per request;
- a thread: `pk`, `author_id`, `category_id`, `state`, `is_deleted`, `is_locked`;
- a post: `pk`, `author_id`, `state`, `deleted_at`, `is_opening_post` and its `thread`;
- a sanction: `user` (the member under it).

The moderation hierarchy: a moderator under a sanction of any kind is a member until it
ends; category moderators see and act on hidden content only in their categories; only
moderators of the whole forum act on members and rules; nobody acts on themselves (nor
approves or restores what they wrote); only administrators act on moderators; a sanction
may be lifted only by whoever may impose it.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from forum.core.errors import (
    ForumError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from forum.core.states import PostState

# Each sanction that stops a member writing, strongest first, with what the member is
# told and the error code a client sees.
_SANCTIONS = {
    "ban": ("Your account is banned", "account_banned"),
    "suspend": ("Your account is suspended", "account_suspended"),
    "silence": ("Your account is silenced", "account_silenced"),
}


# --- who someone is -----------------------------------------------------------------


def _sanction_kinds(user) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    return user.active_sanction_kinds()


def holds_moderator_role(user) -> bool:
    """Whether `user` holds a moderator's (or an administrator's) role, whatever their
    standing: the test for "is this a moderator?" when they are the one acted on."""
    return bool(user.is_authenticated and user.is_moderator)


def is_moderator(user) -> bool:
    """Whether `user` may act as a moderator now: an active account holding the role and
    under no sanction (a sanctioned moderator is a member until the sanction ends)."""
    return bool(
        user.is_authenticated and user.is_active and user.is_moderator and not _sanction_kinds(user)
    )


def is_admin(user) -> bool:
    """Administrators see and change everything, in every category."""
    return is_moderator(user) and bool(user.is_administrator)


def moderated_category_ids(user) -> frozenset[int] | None:
    """The categories `user` moderates: None for all of them (administrators, and
    moderators with no category scope), a set for category moderators, and an empty set
    for everyone else."""
    if not is_moderator(user):
        return frozenset()
    if user.is_administrator:
        return None
    return user.moderation_scope() or None


def is_forum_moderator(user) -> bool:
    """A moderator of the whole forum, not of some categories only."""
    return is_moderator(user) and moderated_category_ids(user) is None


def can_moderate_category(user, category) -> bool:
    """Whether `user` moderates `category` (a Category or its id)."""
    scope = moderated_category_ids(user)
    return scope is None or getattr(category, "pk", category) in scope


@dataclass(frozen=True)
class _PostFacts:
    """What every rule about one post asks first. The `check_*` functions work them out
    for the one post they are asked about; a page works them out once per post and hands
    them to every rule (post_capabilities), so each rule is still written once."""

    readable: bool  # the post and its thread
    moderates: bool  # the post's category
    posting: ForumError | None  # why the user may not write at all
    replying: ForumError | None  # why the user may not reply in the post's thread


def _facts(user, post) -> _PostFacts:
    return _PostFacts(
        readable=can_read_post(user, post),
        moderates=_moderates_post(user, post),
        posting=_posting_refusal(user),
        replying=_reply_refusal(user, post.thread),
    )


def viewer_key(user) -> str:
    """Names what `user` is shown of any content, for cache validators: everyone who
    sees the same gets the same key (anonymous readers; each member, since members see
    their own pending posts; each moderator, since scopes differ)."""
    if not user.is_authenticated:
        return "a"
    return f"m{user.pk}" if is_moderator(user) else str(user.pk)


def content_view(user, thread, *, unpublished_authors) -> str:
    """Names which of `thread`'s posts `user` is shown and may read, so that everyone
    shown the same shares what is built from them: "moderator" for whoever moderates it
    (every post), "author:<id>" for a member with a post in it that others may not read
    (`unpublished_authors()` answers the ids of the authors of its pending, hidden and
    removed posts that are not deleted; asked only of a member who does not moderate
    it), and "public" for everyone else, signed in or not. What each reader may *do*
    with the posts is asked per reader (post_capabilities)."""
    if moderates_thread(user, thread):
        return "moderator"
    if user.is_authenticated and user.pk in unpublished_authors():
        return f"author:{user.pk}"
    return "public"


# --- reading ------------------------------------------------------------------------


def moderates_thread(user, thread) -> bool:
    """Whether `user` moderates the category `thread` is in."""
    if not is_moderator(user):
        return False
    scope = moderated_category_ids(user)
    return scope is None or thread.category_id in scope


def _moderates_post(user, post) -> bool:
    # The post's thread is only looked at for a category moderator.
    if not is_moderator(user):
        return False
    scope = moderated_category_ids(user)
    return scope is None or post.thread.category_id in scope


def can_view_thread(user, thread) -> bool:
    """A thread is listed and readable to everyone unless it is itself pending, hidden,
    removed or deleted; then only to its author (not when deleted) and the moderators of
    its category. A hidden opening post hides that post, not the thread."""
    if moderates_thread(user, thread):
        return True
    if thread.is_deleted:
        return False
    if thread.state == PostState.VISIBLE:
        return True
    return user.is_authenticated and thread.author_id == user.pk


def can_view_post(user, post) -> bool:
    """Whether `user` may read `post` in full, given that they may see its thread."""
    if _moderates_post(user, post):
        return True
    if post.deleted_at is not None:
        return False
    if post.state == PostState.VISIBLE:
        return True
    # Authors see their own pending, hidden and removed posts, with the reason.
    return user.is_authenticated and post.author_id == user.pk


def can_read_post(user, post) -> bool:
    """Whether `user` may read `post` where it stands: its thread and the post itself."""
    return can_view_thread(user, post.thread) and can_view_post(user, post)


def check_can_view_thread(user, thread) -> None:
    if not can_view_thread(user, thread):
        raise NotFound("No such thread.")


def check_can_track_reading(user, thread) -> None:
    """A member keeps track of what is new to them (how far they read, new replies as
    they come) in any thread they may see, sanctioned or not: reading is not posting. A
    thread they may not see is a 404."""
    if not user.is_authenticated:
        raise NotAuthenticated("Sign in to keep track of what you have read.")
    check_can_view_thread(user, thread)


def new_posts_q(user) -> Q:
    """Filter on Post for the posts that may be new to `user`: those they may read in full
    (`visible_posts_q`, the thread page's rule, so that a count of them reveals nothing
    hidden), not deleted, and not their own."""
    return visible_posts_q(user) & Q(deleted_at__isnull=True) & ~Q(author_id=user.pk)


def _history_refusal(user, post, f: _PostFacts) -> ForumError | None:
    # A post's history is as public as the post: whoever may read it may see who changed
    # what and when (and a moderator's reason), as a reader can judge an edited post only
    # with its edits. The history of a pending, hidden, removed or deleted post stays with
    # those who may read the post itself, its author (not once deleted) and its
    # category's moderators; to anyone else it does not exist (a 404).
    if f.readable:
        return None
    return NotFound("No such post.")


def check_can_view_post_history(user, post) -> None:
    _raise(_history_refusal(user, post, _facts(user, post)))


def can_read_replaced_text(user, post) -> bool:
    """Whether `user` may read the text a moderator's edit replaced in `post` (a phone
    number, a slur, another member's details): its author and its category's moderators.
    Other readers of the history see that the edit was made, by whom, when and why, and
    not what it took out."""
    if not user.is_authenticated:
        return False
    return post.author_id == user.pk or _moderates_post(user, post)


def visible_posts_q(user, *, category_field: str = "thread__category") -> Q:
    """Filter on Post for the posts `user` may read in full (their threads aside: see
    `visible_threads_q`). `category_field` is the path from Post to its category.
    Readers also get placeholders for deleted posts that keep a visible branch
    together; see forum.threads.selectors."""
    visible = Q(state=PostState.VISIBLE, deleted_at__isnull=True)
    if user.is_authenticated:
        visible |= Q(author_id=user.pk, deleted_at__isnull=True)
    return _or_moderated(user, visible, category_field=category_field)


def visible_threads_q(user, *, prefix: str = "") -> Q:
    """Filter for the threads `user` may see; with `prefix` (such as "thread__"), for rows
    that belong to such a thread."""
    visible = Q(**{f"{prefix}state": PostState.VISIBLE, f"{prefix}is_deleted": False})
    if user.is_authenticated:
        visible |= Q(**{f"{prefix}author_id": user.pk, f"{prefix}is_deleted": False})
    return _or_moderated(user, visible, category_field=f"{prefix}category")


def _or_moderated(user, member_q: Q, *, category_field: str) -> Q:
    if not is_moderator(user):
        return member_q
    scope = moderated_category_ids(user)
    if scope is None:
        return Q()
    return member_q | Q(**{f"{category_field}__in": scope})


def moderated_q(user, *, category_field: str) -> Q:
    """Filter for moderation records (review items, reports, verdicts, appeals) in the
    categories `user` moderates; `category_field` is the path to the category from the
    filtered model (`post__thread__category`). Matches nothing for non-moderators."""
    if not is_moderator(user):
        return Q(pk__in=[])
    scope = moderated_category_ids(user)
    if scope is None:
        return Q()
    return Q(**{f"{category_field}__in": scope})


def can_view_forum_records(user) -> bool:
    """Records that belong to no category (sanctions, decisions on members and on
    rules) are for moderators of the whole forum."""
    return is_forum_moderator(user)


def can_see_trust_level(user, member) -> bool:
    """A member's trust level is a moderator's working fact (who is pre-moderated, who
    may post links or images), not a rank to show off or to game: moderators see it."""
    return is_moderator(user)


def _bookmark_refusal(user, *, readable: bool, what: str) -> ForumError | None:
    # Saving something to read again is private: a sanctioned member may still do it.
    if not user.is_authenticated:
        return NotAuthenticated(f"Sign in to bookmark {what}s.")
    if not readable:
        return NotFound(f"No such {what}.")
    return None


def can_bookmark(user, post) -> bool:
    """Whether `user` may save `post` (its `thread` loaded): any member who may read it."""
    return _bookmark_refusal(user, readable=can_read_post(user, post), what="post") is None


def check_can_bookmark(user, post) -> None:
    _raise(_bookmark_refusal(user, readable=can_read_post(user, post), what="post"))


def check_can_bookmark_thread(user, thread) -> None:
    _raise(_bookmark_refusal(user, readable=can_view_thread(user, thread), what="thread"))


# --- writing ------------------------------------------------------------------------


def _unsanctioned_refusal(user, *, consequence: str) -> ForumError | None:
    kinds = _sanction_kinds(user)
    for kind, (status, code) in _SANCTIONS.items():
        if kind in kinds:
            return PermissionDenied(f"{status}: {consequence}", code=code)
    return None


def _posting_refusal(user) -> ForumError | None:
    if not user.is_authenticated:
        return NotAuthenticated("Sign in to post.")
    if not user.is_active:
        return PermissionDenied("This account is deactivated.", code="account_inactive")
    return _unsanctioned_refusal(user, consequence="you can read but not post.")


def can_post(user) -> bool:
    return _posting_refusal(user) is None


def check_can_post(user) -> None:
    """Raise unless `user` may write posts at all (signed in, active, not sanctioned)."""
    _raise(_posting_refusal(user))


def _image_upload_refusal(user, *, recent_uploads: int) -> ForumError | None:
    refusal = _posting_refusal(user)
    if refusal is not None:
        return refusal
    if user.trust_level < settings.PARLEY["IMAGE_UPLOAD_TRUST_LEVEL"] and not is_moderator(user):
        return PermissionDenied(
            "Uploading images opens to members once they have taken part for a while "
            f"(trust level {settings.PARLEY['IMAGE_UPLOAD_TRUST_LEVEL']}).",
            code="trust_level_too_low",
        )
    if recent_uploads >= settings.PARLEY["IMAGE_UPLOADS_PER_HOUR"]:
        return RateLimited(
            f"You have uploaded {recent_uploads} images in the last hour; try again later.",
            retry_after=3600,
            code="too_many_uploads",
        )
    return None


def can_upload_image(user) -> bool:
    return _image_upload_refusal(user, recent_uploads=0) is None


def check_can_upload_image(user, *, recent_uploads: int) -> None:
    """Raise unless `user` may upload an image, having uploaded `recent_uploads` in the
    last hour: members who may post, from the configured trust level (moderators at
    any), up to the hourly allowance."""
    _raise(_image_upload_refusal(user, recent_uploads=recent_uploads))


def check_can_view_image(user, image) -> None:
    """An image's record is for the member who uploaded it and for moderators (the file
    itself is public at its URL, which only the posts showing it give away)."""
    if not (user.is_authenticated and (image.uploaded_by_id == user.pk or is_moderator(user))):
        raise NotFound("No such image.")


def check_can_deny_images(user) -> None:
    """Images belong to no category: the deny list is for moderators of the whole forum."""
    if not is_forum_moderator(user):
        raise PermissionDenied(
            "Only moderators of the whole forum may change the image deny list.",
            code="not_forum_moderator",
        )


def can_publish_profile(user) -> bool:
    try:
        check_can_publish_profile(user)
    except ForumError:
        return False
    return True


def check_can_publish_profile(user) -> None:
    """Raise unless `user` may change what others read about them (display name, bio):
    text a silenced member could not post, they cannot publish there either."""
    if not user.is_authenticated:
        raise NotAuthenticated("Sign in to change your profile.")
    _raise(
        _unsanctioned_refusal(
            user, consequence="you cannot change your display name or bio until it ends."
        )
    )


def _draft_refusal(user, thread=None) -> ForumError | None:
    # A sanction stops a member posting, not writing: a silenced member may keep drafts
    # for when it ends. A draft for a thread is for a thread they can still see.
    if not user.is_authenticated:
        return NotAuthenticated("Sign in to keep drafts.")
    if not user.is_active:
        return PermissionDenied("This account is deactivated.", code="account_inactive")
    if thread is not None and not can_view_thread(user, thread):
        return NotFound("No such thread.")
    return None


def can_keep_draft(user, thread=None) -> bool:
    return _draft_refusal(user, thread) is None


def check_can_keep_draft(user, thread=None) -> None:
    """Raise unless `user` may keep a draft of a reply in `thread`, or without one, of a
    new thread. Drafts are their owner's alone; nobody else may read them."""
    _raise(_draft_refusal(user, thread))


def _reply_refusal(user, thread) -> ForumError | None:
    refusal = _posting_refusal(user)
    if refusal is not None:
        return refusal
    if not can_view_thread(user, thread):
        return NotFound("No such thread.")
    if thread.is_locked and not moderates_thread(user, thread):
        return PermissionDenied("This thread is locked; replies are closed.", code="thread_locked")
    return None


def can_reply(user, thread) -> bool:
    return _reply_refusal(user, thread) is None


def check_can_reply(user, thread) -> None:
    _raise(_reply_refusal(user, thread))


def can_reply_to_post(user, post) -> bool:
    """Whether `user` may reply under `post`: they may reply in its thread and read the
    post itself (so authors may answer under their own held post, and the moderators of
    its category under any), and it is neither deleted nor removed."""
    return _replies_to_post(post, _facts(user, post))


def _replies_to_post(post, f: _PostFacts) -> bool:
    return (
        post.deleted_at is None
        and post.state != PostState.REMOVED
        and f.replying is None
        and f.readable
    )


def _edit_refusal(user, post, f: _PostFacts) -> ForumError | None:
    # Whether the post may be seen comes before sanctions: a silenced member asking about
    # a hidden post must get the same 404 as for one that does not exist.
    if not user.is_authenticated:
        return NotAuthenticated("Sign in to post.")
    if not f.readable:
        return NotFound("No such post.")
    if f.posting is not None:
        return f.posting
    if f.moderates:
        return None
    if post.author_id != user.pk:
        return PermissionDenied("Only the author can edit this post.", code="not_author")
    if post.deleted_at is not None or post.state == PostState.REMOVED:
        return PermissionDenied("A removed post cannot be edited.", code="post_removed")
    if post.thread.is_locked:
        return PermissionDenied(
            "This thread is locked; posts cannot be edited.", code="thread_locked"
        )
    return None


def can_edit_post(user, post) -> bool:
    return _edit_refusal(user, post, _facts(user, post)) is None


def check_can_edit_post(user, post) -> None:
    _raise(_edit_refusal(user, post, _facts(user, post)))


def check_can_retitle(user, post) -> None:
    """A thread's title is read wherever the thread is listed. While its opening post is
    held, hidden or removed and the thread itself is not, only the moderators of its
    category change it: the post's author may not publish through it what is kept from
    readers in the post."""
    if _moderates_post(user, post):
        return
    thread = post.thread
    if post.state != PostState.VISIBLE and thread.state == PostState.VISIBLE:
        raise PermissionDenied(
            "The title cannot change while the opening post is under review.",
            code="post_under_review",
        )


def _delete_refusal(user, post, f: _PostFacts) -> ForumError | None:
    if not user.is_authenticated:
        return NotAuthenticated("Sign in to delete posts.")
    if post.deleted_at is not None and post.author_id == user.pk:
        return None  # deleted already: nothing changes, and the author may be told so
    if not f.readable:
        return NotFound("No such post.")
    if f.moderates:
        return None
    if post.author_id != user.pk:
        return PermissionDenied("Only the author can delete this post.", code="not_author")
    # A locked thread is settled as it stands, for its author as for everyone else.
    if post.thread.is_locked:
        return PermissionDenied(
            "This thread is locked; posts cannot be deleted.", code="thread_locked"
        )
    return None


def check_can_delete_post(user, post) -> None:
    _raise(_delete_refusal(user, post, _facts(user, post)))


def _others_public_post_refusal(user, post, f: _PostFacts, *, doing: str) -> ForumError | None:
    """Why `user` may not act on `post` as a reader does (report it, react to it): only
    what anyone may read is acted on, anything else being a 404 whether the post or its
    thread is what the caller may not see, so a refusal reveals nothing; then the
    member's standing; and never on their own post. `doing` names the act ("report")."""
    if not user.is_authenticated:
        return NotAuthenticated(f"Sign in to {doing} posts.")
    if not f.readable or post.state != PostState.VISIBLE or post.deleted_at is not None:
        return NotFound("No such post.")
    if f.posting is not None:
        return f.posting
    if post.author_id == user.pk:
        return PermissionDenied(f"You cannot {doing} your own post.", code="own_post")
    return None


def _report_refusal(user, post, f: _PostFacts) -> ForumError | None:
    return _others_public_post_refusal(user, post, f, doing="report")


def check_can_report(user, post) -> None:
    _raise(_report_refusal(user, post, _facts(user, post)))


def _react_refusal(user, post, f: _PostFacts) -> ForumError | None:
    return _others_public_post_refusal(user, post, f, doing="react to")


def check_can_react(user, post) -> None:
    _raise(_react_refusal(user, post, _facts(user, post)))


def _appeal_refusal(user, post) -> ForumError | None:
    # Sanctioned members may still appeal: an appeal is how a wrong decision is undone.
    if not user.is_authenticated:
        return NotAuthenticated("Sign in to appeal.")
    if post.author_id != user.pk:
        return NotFound("No such post.")
    if post.deleted_at is not None:
        return PermissionDenied("A deleted post cannot be appealed.", code="post_deleted")
    if post.state != PostState.REMOVED:
        return PermissionDenied("Only a removed post can be appealed.", code="not_removed")
    return None


def check_can_appeal(user, post) -> None:
    _raise(_appeal_refusal(user, post))


def _sanction_appeal_refusal(user, sanction, *, now) -> ForumError | None:
    # Any kind of sanction may be appealed, by the member under it and nobody else,
    # while it is in force: a suspended or banned member who cannot sign in appeals
    # through the signed link they were mailed, as that member.
    if not user.is_authenticated:
        return NotAuthenticated("Sign in to appeal.")
    if sanction.user_id != user.pk:
        return NotFound("No such sanction.")
    if sanction.lifted_at is not None or (sanction.ends_at is not None and sanction.ends_at <= now):
        return PermissionDenied("This sanction is no longer in force.", code="sanction_ended")
    return None


def check_can_appeal_sanction(user, sanction, *, now) -> None:
    _raise(_sanction_appeal_refusal(user, sanction, now=now))


def check_can_view_appeal(user, post) -> None:
    """An appeal, once made, stays readable to its author whatever the outcome."""
    if not (user.is_authenticated and post.author_id == user.pk):
        raise NotFound("No such post.")


# --- moderating ---------------------------------------------------------------------


def check_can_moderate(user, *, category=None) -> None:
    """Raise unless `user` may take moderator actions (in `category`, a Category or its
    id, when given)."""
    if not user.is_authenticated:
        raise NotAuthenticated("Sign in to moderate.")
    if not is_moderator(user):
        if holds_moderator_role(user) and user.is_active:
            raise PermissionDenied(
                "You are under a sanction and cannot moderate until it ends.",
                code="moderator_sanctioned",
            )
        raise PermissionDenied("Only moderators can do this.", code="not_moderator")
    if category is not None and not can_moderate_category(user, category):
        raise PermissionDenied(
            "You moderate other categories, not this one.", code="not_category_moderator"
        )


def check_can_moderate_forum(user) -> None:
    """Raise unless `user` moderates the whole forum: site-wide decisions (sanctions,
    rules) are not for moderators of some categories only."""
    check_can_moderate(user)
    if not is_forum_moderator(user):
        raise PermissionDenied(
            "Only moderators of the whole forum can do this.", code="not_forum_moderator"
        )


def check_can_act_on_member(actor, member) -> None:
    """Raise unless `actor` may take a moderator's decision about `member` (a sanction,
    its lifting, a trust level): moderators of the whole forum act on members, nobody
    acts on themselves, and only administrators act on moderators."""
    check_can_moderate_forum(actor)
    if member.pk == actor.pk:
        raise PermissionDenied("You cannot act on your own account.", code="self_action")
    if holds_moderator_role(member) and not is_admin(actor):
        raise PermissionDenied(
            "Only an administrator can act on a moderator.", code="acting_on_moderator"
        )


def can_act_on_member(actor, member) -> bool:
    try:
        check_can_act_on_member(actor, member)
    except ForumError:
        return False
    return True


def check_can_moderate_target(user, target) -> None:
    """Raise unless `user` may take a moderator action on `target`: a post or thread in a
    category they moderate, or a member (see `check_can_act_on_member`). Content the
    caller may not even see is a 404, so a refusal reveals nothing."""
    model = target._meta.model_name
    if model == "post":
        if not can_read_post(user, target):
            raise NotFound("No such post.")
        check_can_moderate(user, category=target.thread.category_id)
    elif model == "thread":
        if not can_view_thread(user, target):
            raise NotFound("No such thread.")
        check_can_moderate(user, category=target.category_id)
    else:
        check_can_act_on_member(user, target)


def _clearing_refusal(user, target) -> ForumError | None:
    # What a moderator wrote is judged by another: they may take it down themselves, but
    # not approve it, restore it or grant its appeal.
    if user.is_authenticated and target.author_id == user.pk:
        return PermissionDenied(
            "Another moderator decides on what you wrote: you cannot approve or restore it.",
            code="own_content",
        )
    return None


def check_can_clear(user, target) -> None:
    """Raise unless `user` may decide in favour of `target`, a post or a thread (approve
    it, restore it, grant its appeal): a moderator of its category who did not write it.
    Nobody acts on themselves."""
    check_can_moderate_target(user, target)
    _raise(_clearing_refusal(user, target))


def members_acted_on_q(actor, *, prefix: str = "") -> Q:
    """The SQL side of `can_act_on_member`, for rows about members (`prefix` is the path
    to the member, such as "sanction__user__"): nothing unless `actor` moderates the whole
    forum; never `actor`; moderators only for an administrator."""
    if not is_forum_moderator(actor):
        return Q(pk__in=[])
    q = ~Q(**{f"{prefix}pk": actor.pk})
    if not is_admin(actor):
        q &= ~(
            Q(**{f"{prefix}is_superuser": True})
            | Q(**{f"{prefix}role__in": ("moderator", "admin")})
        )
    return q


def can_act_on_queue_item(user, *, category_id: int | None, member=None) -> bool:
    """Whether `user` may act on new work in the review queue: about a post in
    `category_id` (its category's moderators), or about `member` (a sanction's appeal:
    whoever may lift the sanction). Who hears of new work asks this."""
    if member is not None:
        return can_act_on_member(user, member)
    return is_moderator(user) and can_moderate_category(user, category_id)


def check_can_sanction(actor, member) -> None:
    check_can_act_on_member(actor, member)


def check_can_lift_sanction(actor, sanction) -> None:
    """Only whoever may impose a sanction may lift it: so never one's own, and a
    moderator's only by an administrator."""
    check_can_act_on_member(actor, sanction.user)


def _administrators_only(actor, member, *, what: str) -> None:
    check_can_moderate(actor)
    if not is_admin(actor):
        raise PermissionDenied(f"Only administrators change {what}s.", code="not_admin")
    if member.pk == actor.pk:
        raise PermissionDenied(f"You cannot change your own {what}.", code="self_action")


def check_can_change_role(actor, member) -> None:
    """Roles (category scopes included) are given and taken by administrators, never to
    or from themselves."""
    _administrators_only(actor, member, what="role")


def check_can_change_activation(actor, member) -> None:
    """An account is deactivated (which is stronger than a ban) and made active again by
    administrators, never their own."""
    _administrators_only(actor, member, what="account's activation")


def can_delete_account(actor, member=None) -> bool:
    """Accounts are deleted by administrators, never their own (an account that wrote
    anything is kept by its posts, and is deactivated instead). Without `member`: whether
    `actor` deletes accounts at all."""
    if not is_admin(actor):
        return False
    return member is None or member.pk != actor.pk


def check_can_set_trust_level(actor, member) -> None:
    check_can_act_on_member(actor, member)


def can_manage_rules(user) -> bool:
    return is_forum_moderator(user)


def check_can_manage_rules(user) -> None:
    check_can_moderate_forum(user)


# --- integrations -------------------------------------------------------------------


def check_can_manage_webhooks(user) -> None:
    """Raise unless `user` may list and manage webhooks of their own: any signed-in,
    active member (integrators own their webhooks), staff included."""
    if not user.is_authenticated:
        raise NotAuthenticated("Sign in to manage webhooks.")
    if not user.is_active:
        raise PermissionDenied("This account is deactivated.", code="account_inactive")


def check_can_create_webhook(user) -> None:
    """A sanctioned member keeps the webhooks they have but registers no new ones."""
    check_can_manage_webhooks(user)
    _raise(_unsanctioned_refusal(user, consequence="you cannot register webhooks until it ends."))


def check_can_manage_webhook(user, webhook) -> None:
    """Another member's webhook, or a deleted one, does not exist as far as `user` knows."""
    check_can_manage_webhooks(user)
    if webhook.owner_id != user.pk or webhook.deleted_at is not None:
        raise NotFound("No such webhook.")


MEMBERS = "members"
MODERATORS = "moderators"
FORUM_MODERATORS = "forum_moderators"


def can_receive_event(user, *, audience: str, category_id: int | None = None) -> bool:
    """Whether a webhook owned by `user` may be sent an event for `audience` (MEMBERS,
    MODERATORS, or FORUM_MODERATORS for events that belong to no category) now, about
    something in `category_id` when given. Asked again before each attempt, so an owner
    who stops being a moderator stops hearing moderators' events."""
    if not user.is_active:
        return False
    if audience == MEMBERS:
        return True
    if audience == FORUM_MODERATORS:
        return is_forum_moderator(user)
    if not is_moderator(user):
        return False
    return category_id is None or can_moderate_category(user, category_id)


def moderator_roles_q(*, prefix: str = "") -> Q:
    """The SQL side of `is_moderator`, for narrowing rows (such as webhook owners) before
    asking `can_receive_event` of each: active accounts that hold a moderator's role.
    Sanctions and scopes are left to the exact question."""
    return Q(**{f"{prefix}is_active": True}) & (
        Q(**{f"{prefix}is_superuser": True}) | Q(**{f"{prefix}role__in": ("moderator", "admin")})
    )


# --- what a page offers ---------------------------------------------------------------


@dataclass(frozen=True)
class PostCapabilities:
    """What one reader may do with one post, for a page to show exactly that."""

    read: bool = False
    reply: bool = False
    quote: bool = False
    edit: bool = False
    delete: bool = False
    report: bool = False
    react: bool = False
    appeal: bool = False
    history: bool = False
    moderate: bool = False
    clear: bool = False  # approve or restore it (see check_can_clear)
    bookmark: bool = False


NO_POST_CAPABILITIES = PostCapabilities()


def post_capabilities(user, post) -> PostCapabilities:
    """Every capability `user` has on `post` (its `thread` loaded), each answered by the
    rule its service applies. Queries only what a request reads once (sanctions, scope),
    so a page computes them for all its posts in one pass at no per-post cost."""
    f = _facts(user, post)
    if not f.readable:
        return NO_POST_CAPABILITIES
    reply = _replies_to_post(post, f)
    return PostCapabilities(
        read=True,
        reply=reply,
        quote=reply and post.state == PostState.VISIBLE,
        edit=_edit_refusal(user, post, f) is None,
        delete=post.deleted_at is None and _delete_refusal(user, post, f) is None,
        report=_report_refusal(user, post, f) is None,
        react=_react_refusal(user, post, f) is None,
        appeal=_appeal_refusal(user, post) is None,
        history=_history_refusal(user, post, f) is None,
        moderate=f.moderates,
        clear=f.moderates and _clearing_refusal(user, post) is None,
        bookmark=_bookmark_refusal(user, readable=True, what="post") is None,
    )


@dataclass(frozen=True)
class ThreadCapabilities:
    """What one reader may do with a thread as a whole."""

    reply: bool = False
    watch: bool = False
    moderate: bool = False
    clear: bool = False  # restore the whole thread (see check_can_clear)
    upload_images: bool = False
    bookmark: bool = False
    # Whether the reply form saves what is typed as a draft on the server.
    keep_draft: bool = False
    # Why a signed-in member may not reply (a sanction, a lock), for the page to say
    # instead of offering a form the service would refuse.
    reply_refusal: str = ""


def thread_capabilities(user, thread) -> ThreadCapabilities:
    refusal = _reply_refusal(user, thread)
    moderate = moderates_thread(user, thread)
    return ThreadCapabilities(
        reply=refusal is None,
        watch=user.is_authenticated and can_view_thread(user, thread),
        moderate=moderate,
        clear=moderate and _clearing_refusal(user, thread) is None,
        upload_images=refusal is None and can_upload_image(user),
        bookmark=_bookmark_refusal(user, readable=can_view_thread(user, thread), what="thread")
        is None,
        keep_draft=refusal is None and can_keep_draft(user, thread),
        reply_refusal=refusal.message if refusal is not None and user.is_authenticated else "",
    )


def _raise(refusal: ForumError | None) -> None:
    if refusal is not None:
        raise refusal
