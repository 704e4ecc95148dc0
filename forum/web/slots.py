"""Slots in HTML shared between readers, where each reader's own parts go: the reply form
(under the post replied to, or at the end of the page) and the CSRF token of the forms a
shared part holds (a moderator's tools). A slot is a NUL-delimited marker: no text a
member writes can hold a NUL (forms refuse it, the HTML sanitiser replaces it, and
PostgreSQL stores none), so no post can fake or break one."""

import re

from django.middleware.csrf import get_token
from django.utils.safestring import SafeString, mark_safe

CSRF_TOKEN = mark_safe("\x00csrf\x00")
_SLOT = re.compile("\x00(csrf|reply-form:([0-9a-z]+))\x00")


def reply_form_slot(place) -> SafeString:
    """The slot for the reply form at `place`: a post's id, or "end"."""
    place = "end" if place == "end" else int(place)  # nothing else reaches the page
    return mark_safe(f"\x00reply-form:{place}\x00")  # noqa: S308


def fill(html: str, *, request, reply_form: tuple[str, str] | None = None) -> SafeString:
    """`html` with its slots filled for the reader of `request`: `reply_form` is the place
    and the HTML of their reply form, and every other reply form slot is emptied."""
    place, form_html = reply_form or ("", "")
    csrf = []

    def slot(match: re.Match) -> str:
        if match[2] is None:
            if not csrf:
                csrf.append(get_token(request))
            return csrf[0]
        return form_html if match[2] == place else ""

    # Safe HTML with slots filled by a safe form and a token of letters and digits.
    return mark_safe(_SLOT.sub(slot, html))  # noqa: S308
