"""Keeping what a member typed when their session ended before they sent it.

A form posted without a session (it expired, or the member logged out everywhere from
another device) is kept in the new anonymous session, keyed by the page it was sent to.
Django's `login()` keeps an anonymous session's data when it rotates the key, so after
logging in again the member lands back on that page with the form filled in."""

import functools

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest

DRAFT_SESSION_KEY = "web:draft"
# A draft is a form's worth of text; past this it is not kept (the session row would
# grow without bound). Posts themselves are limited well below it.
DRAFT_MAX_CHARACTERS = 300_000


DRAFT_OWNER_FIELD = "draft_owner"


def _owner(request: HttpRequest) -> int | None:
    """Who wrote the form: the member logged in, or after a lost session the member
    the page was made for (a hidden field each form carries)."""
    if request.user.is_authenticated:
        return request.user.pk
    raw = request.POST.get(DRAFT_OWNER_FIELD, "")
    return int(raw) if raw.isdigit() and len(raw) <= 18 else None


def draft_keep(request: HttpRequest, *, fields: tuple[str, ...]) -> None:
    """Keep the named fields of the posted form for the page it was sent to."""
    kept = {name: request.POST.get(name, "") for name in fields if name in request.POST}
    if not kept or sum(len(value) for value in kept.values()) > DRAFT_MAX_CHARACTERS:
        return
    request.session[DRAFT_SESSION_KEY] = {
        "path": request.get_full_path(),
        "owner": _owner(request),
        "fields": kept,
    }


def draft_take(request: HttpRequest) -> dict[str, str] | None:
    """The draft kept for this page, removed from the session; None when there is none.
    A draft written by another member (someone else logged in on a shared computer
    after the writer's session ended) is dropped, never shown."""
    draft = request.session.get(DRAFT_SESSION_KEY)
    if not draft or draft.get("path") != request.get_full_path():
        return None
    del request.session[DRAFT_SESSION_KEY]
    owner = draft.get("owner")
    if owner is not None and owner != request.user.pk:
        return None
    return dict(draft.get("fields") or {})


def login_again_keeping(request: HttpRequest, *, fields: tuple[str, ...]):
    """The answer to a form posted without a session: keep the draft, say so, and send
    the visitor to log in and back to the same page."""
    draft_keep(request, fields=fields)
    if DRAFT_SESSION_KEY in request.session:
        messages.info(
            request,
            "You are not logged in (your session may have ended). Log in and what you "
            "wrote will be waiting in the form.",
        )
    return redirect_to_login(request.get_full_path())


def member_required(*, draft_fields: tuple[str, ...] = ()):
    """Like `login_required`, but a form posted without a session keeps `draft_fields`
    for after the visitor has logged in again."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if request.user.is_authenticated:
                return view(request, *args, **kwargs)
            if request.method == "POST" and draft_fields:
                return login_again_keeping(request, fields=draft_fields)
            return redirect_to_login(request.get_full_path())

        return wrapper

    return decorator
