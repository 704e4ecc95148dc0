"""Keeping what a member typed when their form could not be taken, for them alone.

Two cases, and in each the draft stays with the browser that sent it:

- The session ended before the form was sent (it expired, or the member logged out
  everywhere from another device). The form's CSRF token still matched, so it was sent
  from one of the forum's pages in this browser: the draft goes into a new anonymous
  session, which Django's `login()` keeps when it rotates the key, so after logging in
  again the member lands back on that page with the form filled in. Each form names the
  member its page was made for in a signed hidden field (`draft_owner`); the draft is
  kept only for a member so named and given back only to them, never to whoever logs in
  next on a shared computer.
- The CSRF token did not match (the page was loaded before the member logged in again
  in another tab). Such a request may come from another site, so the draft is kept only
  in the signed-in member's own session that the request carried, and only when the
  browser says the form was sent from this site. A request without a member's session
  keeps nothing: no session is made and no cookie set, so no other site can plant text
  in anyone's form.
"""

import functools

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.signing import BadSignature, Signer
from django.http import HttpRequest

DRAFT_SESSION_KEY = "web:draft"
# A draft is a form's worth of text; past this it is not kept (the session row would
# grow without bound). Posts themselves are limited well below it.
DRAFT_MAX_CHARACTERS = 300_000
DRAFT_OWNER_FIELD = "draft_owner"
_owner_signer = Signer(salt="forum.web.drafts.owner")


def draft_owner_value(user) -> str:
    """The `draft_owner` field of a form on a page made for `user`."""
    return _owner_signer.sign(str(user.pk))


def _named_owner(request: HttpRequest) -> int | None:
    """The member whose page the posted form came from, when its field is genuine."""
    try:
        return int(_owner_signer.unsign(request.POST.get(DRAFT_OWNER_FIELD, "")))
    except (BadSignature, ValueError):
        return None


def _sent_from_this_site(request: HttpRequest) -> bool:
    """Whether the browser says the form was sent from one of this site's pages: by its
    Sec-Fetch-Site, or where it sends none, by its Origin. (A sibling subdomain is the
    same site to SameSite cookies, so the session cookie alone does not tell.)"""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    origin = request.headers.get("Origin")
    return origin is None or origin == f"{request.scheme}://{request.get_host()}"


def _draft_keep(request: HttpRequest, *, fields: tuple[str, ...], owner: int) -> bool:
    """Keep the named fields of the posted form for `owner` on the page it was sent to.
    Whether anything was kept."""
    kept = {name: request.POST.get(name, "") for name in fields if name in request.POST}
    if not kept or sum(len(value) for value in kept.values()) > DRAFT_MAX_CHARACTERS:
        return False
    request.session[DRAFT_SESSION_KEY] = {
        "path": request.get_full_path(),
        "owner": owner,
        "fields": kept,
    }
    return True


def draft_keep_after_csrf_failure(request: HttpRequest, *, fields: tuple[str, ...]) -> bool:
    """Keep the named fields of a form refused for its CSRF token, in the session of the
    signed-in member who sent it from this site, and nowhere else. Whether it was kept."""
    if not request.user.is_authenticated or not _sent_from_this_site(request):
        return False
    return _draft_keep(request, fields=fields, owner=request.user.pk)


def draft_take(request: HttpRequest) -> dict[str, str] | None:
    """The draft kept for this page, removed from the session; None when there is none.
    A draft kept for another member (someone else logged in on a shared computer after
    the writer's session ended) is dropped, never shown."""
    draft = request.session.get(DRAFT_SESSION_KEY)
    if not draft or draft.get("path") != request.get_full_path():
        return None
    del request.session[DRAFT_SESSION_KEY]
    if draft.get("owner") != request.user.pk:
        return None
    return dict(draft.get("fields") or {})


def login_again_keeping(request: HttpRequest, *, fields: tuple[str, ...]):
    """The answer to a form posted without a session: keep the draft for the member the
    form names, say so, and send the visitor to log in and back to the same page."""
    owner = _named_owner(request)
    if owner is not None and _draft_keep(request, fields=fields, owner=owner):
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
