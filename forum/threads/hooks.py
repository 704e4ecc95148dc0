"""Where layers above threads take part in writing a post, inside its transaction. They
register from their AppConfig.ready(); with nothing registered, threads works alone.

- Screening: the threads app knows nothing of rules. A screen registered here (the
  moderation app's) refuses a submission with a ForumError or says which state a new
  post starts in and why; with none, posts are simply visible. Moderators posting in
  categories they moderate are not screened: they are the people a held post would wait
  for. Once a revision is stored and committed, `forum.core.events.RevisionStored` hands
  it on to whatever checks it afterwards.
- Images: a post showing an image whose hash a deny list names (the moderation app's)
  is held for review, and the same image cannot be uploaded again.
- Taking part: starting or replying to a thread is handed to each recorder (the
  notifications app watches the thread for the member) in the same transaction.
- Muting, on the read side: which authors a reader muted (the notifications app keeps
  mutes), so that the API can flag their posts; with none registered, nobody is muted.
"""

from collections.abc import Callable, Collection
from typing import Protocol

from forum.core import permissions
from forum.core.errors import ValidationFailed
from forum.core.states import PostState


class Screen(Protocol):
    def screen_new_post(self, *, author, category, html: str) -> tuple[str, str]:
        """Refuse the new post (raise a ForumError), or return (state, reason): the state
        it starts in and, unless visible, why."""

    def screen_edit(self, *, author, category, html: str, post) -> None:
        """Refuse the edit of `post` to `html` (raise a ForumError), or return."""


_screens: list[Screen] = []


def screen_submissions_with(screen: Screen) -> None:
    if screen not in _screens:
        _screens.append(screen)


def _unscreened(author, category) -> bool:
    return permissions.is_moderator(author) and permissions.can_moderate_category(author, category)


_image_deny_lists: list[Callable[[Collection[str]], Collection[str]]] = []


def deny_images_with(denied: Callable[[Collection[str]], Collection[str]]) -> None:
    """`denied(hashes)` answers which of the SHA-256 hashes it is given are denied."""
    if denied not in _image_deny_lists:
        _image_deny_lists.append(denied)


def denied_images(hashes: Collection[str]) -> frozenset[str]:
    """Which of `hashes` (of images' bytes) a deny list names."""
    if not hashes:
        return frozenset()
    return frozenset(hash_ for denied in _image_deny_lists for hash_ in denied(hashes))


DENIED_IMAGE_REASON = "It shows an image moderators have removed from the forum."


def new_post_state(*, author, category, html: str, images: Collection[str] = ()) -> tuple[str, str]:
    """The state a new post by `author` in `category` starts in, and why; a ForumError if
    a screen refuses it. The first screen to hold it back decides the reason; a post
    showing a denied image (`images` are the hashes of those it shows) is held."""
    if _unscreened(author, category):
        return PostState.VISIBLE, ""
    state, reason = PostState.VISIBLE, ""
    if denied_images(images):
        state, reason = PostState.PENDING, DENIED_IMAGE_REASON
    for screen in _screens:
        held, why = screen.screen_new_post(author=author, category=category, html=html)
        if held != PostState.VISIBLE and state == PostState.VISIBLE:
            state, reason = held, why
    return state, reason


def check_edit(*, author, category, html: str, post, images: Collection[str] = ()) -> None:
    """Raise a ForumError if a screen refuses the edit of `post` to `html`, or it would
    show a denied image (an edit cannot be held: it would change a post already read)."""
    if _unscreened(author, category):
        return
    if denied_images(images):
        raise ValidationFailed.for_field("body", DENIED_IMAGE_REASON, code="image_denied")
    for screen in _screens:
        screen.screen_edit(author=author, category=category, html=html, post=post)


_participation_recorders: list[Callable[..., None]] = []


def record_participation_with(recorder: Callable[..., None]) -> None:
    """`recorder(user=, thread=)` is called whenever a member starts or replies to a
    thread, inside that write's transaction."""
    if recorder not in _participation_recorders:
        _participation_recorders.append(recorder)


def took_part(*, user, thread) -> None:
    for recorder in _participation_recorders:
        recorder(user=user, thread=thread)


_mute_lists: list[Callable[..., frozenset[int]]] = []


def read_mutes_with(muted_among: Callable[..., frozenset[int]]) -> None:
    """`muted_among(user=, author_ids=)` answers which of `author_ids` (ids, or a
    queryset of them) `user` muted."""
    if muted_among not in _mute_lists:
        _mute_lists.append(muted_among)


def muted_authors(*, user, author_ids) -> frozenset[int]:
    """Which of `author_ids` (ids, or a queryset of them) `user` muted."""
    return frozenset().union(*(muted(user=user, author_ids=author_ids) for muted in _mute_lists))
