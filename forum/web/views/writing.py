"""Writing: starting a thread and editing a post, with a preview; drafts kept on the
server (restored into the forms, saved by their Preview button and by drafts.js, and
discarded on request); and keeping what was typed when a form's CSRF token went stale.

Two keepers, one for each case. A signed-in member's draft is kept on the server
(forum.threads.drafts), for them alone, on any device: that is the normal path. The
session keeper (forum.web.drafts) is for what a form could not deliver: sent after the
session ended, or with a stale CSRF token. What it kept was typed last, so it is given
back first, and the next save puts it on the server."""

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_http_methods

from forum.core import permissions
from forum.core.errors import (
    Conflict,
    ForumError,
    NotFound,
    ValidationFailed,
)
from forum.core.text import whole_number
from forum.threads import selectors as thread_selectors
from forum.threads import services as thread_services
from forum.threads.drafts import selectors as draft_selectors
from forum.threads.drafts import services as draft_services
from forum.threads.models import Draft, Post, PostState, Thread
from forum.web import forms
from forum.web import images as composer_images
from forum.web.drafts import (
    draft_keep_after_csrf_failure,
    draft_take,
    member_required,
)
from forum.web.views.pages import (
    form_page,
    post_location,
    refused,
)
from moderation import actions as moderation_actions


def body_preview(form, *, post: Post | None = None, opening: bool = False) -> str:
    """The sanitised HTML `form`'s body would be stored as (a reply's, a new thread's
    with `opening`, or `post`'s, as body_render says), or "" with the reason added to the
    form. Validates as the services do, so a preview never costs more than a post would."""
    body = form.cleaned_data.get("body")
    if body is None:
        return ""
    try:
        return thread_services.body_render(
            thread_services.clean_body(body), post=post, opening=opening
        ).html
    except ValidationFailed as exc:
        forms.add_forum_error(form, exc)
    return ""


@member_required(draft_fields=("category", "title", "body"))
@require_http_methods(["GET", "HEAD", "POST"])
def thread_new(request: HttpRequest) -> HttpResponse:
    """Start a thread; ?category=<slug> picks the category, unless the member's draft of
    a new thread fills the form. "Preview" shows the body rendered below the form and
    keeps what was typed as that draft; nothing is posted. A member who may not post (a
    sanction) is told so, and until when, instead of being shown a form; a form sent
    anyway comes back with the refusal and what was typed."""
    if request.method != "POST":
        try:
            permissions.check_can_post(request.user)
        except ForumError as exc:
            return refused(request, exc)
    preview_html, upload_error = "", ""
    status = 200
    draft = draft_selectors.draft_get(user=request.user)
    if composer_images.wants_upload(request):
        form, upload_error, status = composer_images.upload_into_form(
            request, forms.ThreadForm, ("category", "title", "body")
        )
    elif request.method == "POST":
        form = forms.ThreadForm(request.POST)
        if "preview" in request.POST:
            preview_html, draft = preview_keeping_draft(request, form, thread=None, draft=draft)
        elif form.is_valid():
            try:
                thread = thread_services.thread_create(author=request.user, **form.cleaned_data)
            except ForumError as exc:
                forms.add_forum_error(form, exc)
                status = exc.status
            else:
                if thread.state == PostState.PENDING:
                    messages.info(request, "Your thread waits for a moderator's approval.")
                return redirect(thread.get_absolute_url())
        if form.errors and status == 200:
            status = 400
    else:
        form = forms.ThreadForm(initial=_thread_initial(request, draft))
    context = {
        "form": form,
        "draft": draft,
        "preview_html": preview_html,
        "upload_error": upload_error,
        "can_upload_images": permissions.can_upload_image(request.user),
    }
    return form_page(request, "web/thread_new.html", context, form=form, status=status)


@member_required(draft_fields=("title", "body", "reason"))
@require_http_methods(["GET", "HEAD", "POST"])
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(Post.objects.select_related("thread", "thread__category"), pk=pk)
    try:
        permissions.check_can_edit_post(request.user, post)
    except ForumError as exc:
        return refused(request, exc)
    # A moderator editing someone else's post does so as a logged moderation action,
    # which changes the body only.
    as_moderator = post.author_id != request.user.pk
    has_title = post.is_opening_post and not as_moderator
    form_options = {"has_title": has_title, "reason_required": as_moderator}
    preview_html, upload_error = "", ""
    status = 200
    if composer_images.wants_upload(request):
        form, upload_error, status = composer_images.upload_into_form(
            request, forms.EditForm, ("title", "body", "reason"), **form_options
        )
    elif request.method == "POST":
        form = forms.EditForm(request.POST, **form_options)
        valid = form.is_valid()
        if "preview" in request.POST:
            preview_html = body_preview(form, post=post)
        elif valid:
            try:
                if as_moderator:
                    moderation_actions.perform(
                        "edit",
                        actor=request.user,
                        target=post,
                        reason=form.cleaned_data["reason"],
                        body=form.cleaned_data["body"],
                    )
                else:
                    thread_services.post_edit(
                        editor=request.user,
                        post=post,
                        body=form.cleaned_data["body"],
                        title=form.cleaned_data.get("title") if has_title else None,
                        reason=form.cleaned_data["reason"],
                    )
            except ForumError as exc:
                forms.add_forum_error(form, exc)
                status = exc.status
            else:
                messages.success(request, "Your changes are saved.")
                return redirect("web:post", pk=post.pk)
        if form.errors and status == 200:
            status = 400
    else:
        initial = {"body": post.body_source}
        if has_title:
            initial["title"] = post.thread.title
        initial.update(draft_take(request) or {})
        form = forms.EditForm(initial=initial, **form_options)
    return render(
        request,
        "web/post_edit.html",
        {
            "form": form,
            "post": post,
            "preview_html": preview_html,
            "upload_error": upload_error,
            "can_upload_images": permissions.can_upload_image(request.user),
        },
        status=status,
    )


def _thread_initial(request: HttpRequest, draft: Draft | None) -> dict:
    """What the new-thread form starts with: what the session keeper holds (typed last),
    else the member's draft, else the category named by ?category=."""
    kept = draft_take(request)
    if kept:
        return kept
    if draft is not None:
        return {
            "category": draft.category.slug if draft.category else "",
            "title": draft.title,
            "body": draft.body,
        }
    return {"category": request.GET.get("category", "")}


def preview_keeping_draft(
    request: HttpRequest,
    form,
    *,
    thread: Thread | None,
    draft: Draft | None,
    parent: Post | None = None,
    keep: bool = True,
) -> tuple[str, Draft | None]:
    """What the Preview button of a reply in `thread` (answering `parent`) or, without a
    thread, of a new thread does for a member without JavaScript: the body rendered (see
    body_preview), and what `form` holds kept as their draft when it renders and `keep`
    says so. Returns the preview's HTML and the draft now kept: the one saved, or `draft`
    (kept before) when this copy was not kept. A copy written from a draft since saved,
    posted or discarded elsewhere (the form's draft_updated_at says which it was written
    from) is not kept, and the member is told why."""
    form.is_valid()
    preview_html = body_preview(form, opening=thread is None)
    if not (preview_html and keep):
        return preview_html, draft
    data = form.cleaned_data  # the fields that passed
    try:
        kept = draft_services.draft_save(
            user=request.user,
            thread=thread,
            body=data["body"],
            title=data.get("title") or "",
            category=data.get("category"),
            parent_id=parent.pk if parent is not None else None,
            seen_updated_at=_seen_updated_at(request),
        )
    except Conflict as exc:
        messages.warning(request, f"Your draft is not kept: {exc.message}")
        return preview_html, draft
    except ForumError:
        # Not a draft that may be kept (a title too long): the form says so when sent.
        return preview_html, draft
    return preview_html, kept


def _seen_updated_at(request: HttpRequest) -> dt.datetime | None:
    """When the draft the form was written from was saved, as the form says; None for a
    form written from no draft (or one that says nothing that reads as a moment: a time
    without its offset names none)."""
    try:
        seen = parse_datetime(request.POST.get("draft_updated_at", ""))
    except ValueError:
        return None
    return seen if seen is not None and timezone.is_aware(seen) else None


@member_required()
@require_http_methods(["POST"])
def draft_discard(request: HttpRequest) -> HttpResponse:
    """Discard the member's draft of a reply in the thread named by `thread`, or without
    one, of a new thread, and go back to its form, empty."""
    raw = request.POST.get("thread", "")
    if not raw:
        draft_services.draft_discard(user=request.user)
        messages.info(request, "Your draft is discarded.")
        return redirect("web:thread-new")
    try:
        if (thread_id := whole_number(raw)) is None:
            raise NotFound("No such thread.")
        thread = thread_selectors.thread_get(user=request.user, pk=thread_id)
    except NotFound as exc:
        return refused(request, exc)
    draft_services.draft_discard(user=request.user, thread=thread)
    messages.info(request, "Your draft is discarded.")
    return redirect(thread.get_absolute_url() + "#reply-form")


# Text fields worth keeping from any of the forum's forms; never a password.
KEPT_ON_CSRF_FAILURE = ("category", "title", "body", "reason", "paragraph", "message")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF_FAILURE_VIEW. A form whose token went stale (its page was loaded
    before the member logged in or out in another tab) is refused, as it must be, but
    what a signed-in member typed is kept in their session for the page it came from
    (forum.web.drafts says when), and the answer says how to get it back: load that page
    again and send it."""
    kept = draft_keep_after_csrf_failure(request, fields=KEPT_ON_CSRF_FAILURE)
    context = {"kept": kept, "back": request.get_full_path()}
    return render(request, "web/csrf_failure.html", context, status=403)


@member_required()
@require_http_methods(["GET", "HEAD", "POST"])
def post_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a post, as its author (or a moderator) may: softly, so readers see a
    placeholder where it was and moderators still see its text. The post's Delete button
    and a plain GET lead to a page that asks first; only the POST from that page, which
    says `confirm`, deletes."""
    post = get_object_or_404(
        Post.objects.select_related("thread", "thread__category", "author"), pk=pk
    )
    try:
        permissions.check_can_delete_post(request.user, post)
    except ForumError as exc:
        return refused(request, exc)
    if post.is_deleted:
        messages.info(request, "This post is deleted already.")
        return _after_deletion(post)
    if request.method != "POST" or request.POST.get("confirm") != "yes":
        return render(request, "web/post_delete.html", {"post": post})
    try:
        thread_services.post_delete(actor=request.user, post=post)
    except ForumError as exc:
        return refused(request, exc)
    done = "The thread is deleted." if post.is_opening_post else "The post is deleted."
    messages.success(request, done)
    return _after_deletion(post)


def _after_deletion(post: Post) -> HttpResponse:
    """Where a deleted post leaves its reader: its placeholder in the thread, or for an
    opening post (its thread deleted with it), the thread's category."""
    if post.is_opening_post:
        return redirect("web:category", slug=post.thread.category.slug)
    return redirect(post_location(post))
