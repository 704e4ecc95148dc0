"""Where layers above threads take part in writing a post, inside its transaction. They
register from their AppConfig.ready(); with nothing registered, threads works alone.

- Screening: the threads app knows nothing of rules. A screen registered here (the
  moderation app's) refuses a submission with a ForumError or says which state a new
  post starts in and why; with none, posts are simply visible. Moderators posting in
  categories they moderate are not screened: they are the people a held post would wait
  for. Once a revision is stored and committed, `forum.core.events.RevisionStored` hands
  it on to whatever checks it afterwards.
- Taking part: starting or replying to a thread is handed to each recorder (the
  notifications app watches the thread for the member) in the same transaction.
"""

from collections.abc import Callable
from typing import Protocol

from forum.core import permissions
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


def new_post_state(*, author, category, html: str) -> tuple[str, str]:
    """The state a new post by `author` in `category` starts in, and why; a ForumError if
    a screen refuses it. The first screen to hold it back decides the reason."""
    if _unscreened(author, category):
        return PostState.VISIBLE, ""
    state, reason = PostState.VISIBLE, ""
    for screen in _screens:
        held, why = screen.screen_new_post(author=author, category=category, html=html)
        if held != PostState.VISIBLE and state == PostState.VISIBLE:
            state, reason = held, why
    return state, reason


def check_edit(*, author, category, html: str, post) -> None:
    """Raise a ForumError if a screen refuses the edit of `post` to `html`."""
    if _unscreened(author, category):
        return
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
