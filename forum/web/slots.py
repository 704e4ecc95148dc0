"""Slots in HTML shared between readers, where each reader's own parts go: the reply form
(under the post replied to, or at the end of the page), the CSRF token of the forms a
shared part holds (a moderator's tools, the reaction buttons), whether each reaction
button is one the reader gave (pressed, and taking it back) or not, around each post's
content whether the reader muted its author (then it is folded, a click away), and the
"new since your last visit" marker before the first post new to the reader. A slot is a
NUL-delimited marker: no text a member writes can hold a NUL (forms refuse it, the HTML
sanitiser replaces it, and PostgreSQL stores none), so no post can fake or break one."""

import re
from collections.abc import Mapping

from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

CSRF_TOKEN = mark_safe("\x00csrf\x00")
_SLOT = re.compile(
    "\x00(csrf|reply-form:([0-9a-z]+)|reacted:([0-9]+):([a-z]+)|muted-(open|close):([0-9]+)"
    "|unread:([0-9]+))\x00"
)
_REACTED = ' name="do" value="remove" aria-pressed="true"'
_NOT_REACTED = ' name="do" value="add" aria-pressed="false"'
UNREAD_MARKER = '<p class="unread-marker" id="unread">New since your last visit</p>'


def reply_form_slot(place) -> SafeString:
    """The slot for the reply form at `place`: a post's id, or "end"."""
    place = "end" if place == "end" else int(place)  # nothing else reaches the page
    return mark_safe(f"\x00reply-form:{place}\x00")  # noqa: S308


def reaction_slot(post_id, kind: str) -> SafeString:
    """The slot inside the button giving `kind` to post `post_id`: filled with the
    button's state for the reader (see `fill`)."""
    return mark_safe(f"\x00reacted:{int(post_id)}:{kind}\x00")  # noqa: S308


def muted_slot(author_id, end: str) -> SafeString:
    """The slot before (`end` "open") or after ("close") the content of a post by
    `author_id`: filled, for a reader who muted them, with a <details> folding it (see
    `fill`)."""
    end = "close" if end == "close" else "open"  # nothing else reaches the page
    return mark_safe(f"\x00muted-{end}:{int(author_id)}\x00")  # noqa: S308


def muted_authors(posts, muted_ids: frozenset[int]) -> dict[int, str]:
    """{author id: name} of the authors of `posts` (items with a `post`) among
    `muted_ids`, for `fill`."""
    return {
        item.post.author_id: item.post.author.identified_name
        for item in posts
        if item.post.author_id in muted_ids
    }


def _muted_open(name: str) -> str:
    return render_to_string("web/_muted_fold_open.html", {"name": name}).strip()


def unread_slot(post_id) -> SafeString:
    """The slot before post `post_id`: filled with the unread marker for the reader to
    whom it is the first new post on the page (see `fill`)."""
    return mark_safe(f"\x00unread:{int(post_id)}\x00")  # noqa: S308


def fill(
    html: str,
    *,
    request,
    reply_form: tuple[str, str] | None = None,
    reacted: frozenset[tuple[int, str]] = frozenset(),
    muted: Mapping[int, str] | None = None,
    unread_before: int | None = None,
) -> SafeString:
    """`html` with its slots filled for the reader of `request`: `reply_form` is the place
    and the HTML of their reply form, and every other reply form slot is emptied;
    `reacted` holds the (post id, kind) of each reaction they gave, whose buttons are
    pressed and take it back, every other button giving one; `muted` names ({author id:
    name}) the authors they muted, whose posts' content is folded in a <details> (the
    replies below stay open); the unread marker goes before post `unread_before`, and
    nowhere else."""
    place, form_html = reply_form or ("", "")
    folds = {author_id: _muted_open(name) for author_id, name in (muted or {}).items()}
    csrf = []

    def slot(match: re.Match) -> str:
        if match[5] is not None:
            fold = folds.get(int(match[6]))
            if fold is None:
                return ""
            return fold if match[5] == "open" else "</details>"
        if match[7] is not None:
            return UNREAD_MARKER if int(match[7]) == unread_before else ""
        if match[3] is not None:
            return _REACTED if (int(match[3]), match[4]) in reacted else _NOT_REACTED
        if match[2] is None:
            if not csrf:
                csrf.append(get_token(request))
            return csrf[0]
        return form_html if match[2] == place else ""

    # Safe HTML with slots filled by a safe form and a token of letters and digits.
    return mark_safe(_SLOT.sub(slot, html))  # noqa: S308
