"""Reporting and appealing posts, appealing a sanction, a moderator's quick actions on a
post or a thread (the action registry, so each is checked and logged), and what tells a
moderator of open work: the count their header polls and the digest setting."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from forum.core import permissions
from forum.core.errors import ForumError, NotFound
from forum.core.text import whole_number
from forum.notifications.sanctions import sanction_for_appeal_token
from forum.threads import selectors
from forum.threads.models import Post
from forum.web import forms
from forum.web.drafts import (
    draft_take,
    member_required,
)
from forum.web.views.pages import (
    form_page,
    refused,
)
from moderation import actions as moderation_actions
from moderation import alerts as moderation_alerts
from moderation import selectors as moderation_selectors
from moderation import services as moderation_services
from moderation.content import reportable_paragraphs
from moderation.models import Appeal

PARAGRAPH_LABEL_LENGTH = 80


@member_required(draft_fields=("reason", "paragraph", "message"))
@require_http_methods(["GET", "HEAD", "POST"])
def post_report(request: HttpRequest, pk: int) -> HttpResponse:
    """Report a post, or with ?paragraph=N one paragraph of it (its index, from 0, as
    moderation.content numbers them; shown to the member as `paragraph_number`)."""
    post = get_object_or_404(Post.objects.select_related("thread", "author"), pk=pk)
    try:
        permissions.check_can_report(request.user, post)
    except ForumError as exc:
        return refused(request, exc)
    paragraphs = [
        (paragraph.index, _shorten(paragraph.text))
        for paragraph in reportable_paragraphs(post.body_html)
    ]
    status = 200
    if request.method == "POST":
        form = forms.ReportForm(request.POST, paragraphs=paragraphs)
        if form.is_valid():
            try:
                moderation_services.report_file(
                    reporter=request.user, post=post, **form.cleaned_data
                )
            except ForumError as exc:
                forms.add_forum_error(form, exc)
                status = exc.status
            else:
                messages.success(request, "Thank you: moderators will look at your report.")
                return redirect("web:post", pk=post.pk)
        else:
            status = 400
    else:
        paragraph = request.GET.get("paragraph", "")
        initial = {"paragraph": paragraph if whole_number(paragraph) is not None else ""}
        initial.update(draft_take(request) or {})
        form = forms.ReportForm(initial=initial, paragraphs=paragraphs)
    context = {"form": form, "post": post}
    return form_page(request, "web/post_report.html", context, form=form, status=status)


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= PARAGRAPH_LABEL_LENGTH:
        return text
    return text[: PARAGRAPH_LABEL_LENGTH - 1].rstrip() + "…"


@member_required(draft_fields=("message",))
@require_http_methods(["GET", "HEAD", "POST"])
def post_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    """The author of a removed post asks, once, for the decision to be looked at again.
    After that the page shows the appeal and where it stands."""
    post = get_object_or_404(Post.objects.select_related("thread", "author"), pk=pk)
    try:
        permissions.check_can_view_appeal(request.user, post)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    # Once appealed, the author can come back to see the outcome, whatever it was.
    appeal = Appeal.objects.filter(post=post).select_related("review_item").first()
    if appeal is None:
        try:
            permissions.check_can_appeal(request.user, post)
        except ForumError as exc:
            return refused(request, exc)
    status = 200
    form = None
    if appeal is None:
        if request.method == "POST":
            form = forms.AppealForm(request.POST)
            if form.is_valid():
                try:
                    moderation_services.appeal_file(
                        author=request.user, post=post, message=form.cleaned_data["message"]
                    )
                except ForumError as exc:
                    forms.add_forum_error(form, exc)
                    status = exc.status
                else:
                    messages.success(request, "Your appeal is with the moderators.")
                    return redirect("web:post-appeal", pk=post.pk)
            else:
                status = 400
        else:
            form = forms.AppealForm(initial=draft_take(request) or {})
    context = {"post": post, "appeal": appeal, "form": form}
    return form_page(request, "web/post_appeal.html", context, form=form, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def post_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    """A moderator's action on one post. The thread page's quick buttons post here; a
    refusal (a missing reason) comes back on this page with the reason field marked."""
    post = get_object_or_404(Post.objects.select_related("thread", "author"), pk=pk)
    if not permissions.can_read_post(request.user, post):
        raise Http404("No such post.")
    return _moderate(request, target=post, actions=forms.MODERATOR_POST_ACTIONS)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def thread_moderate(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    thread = get_object_or_404(selectors.thread_list(user=request.user), pk=pk)
    return _moderate(request, target=thread, actions=forms.MODERATOR_THREAD_ACTIONS)


def _moderate(request: HttpRequest, *, target, actions: tuple[str, ...]) -> HttpResponse:
    is_post = isinstance(target, Post)
    category = target.thread.category_id if is_post else target.category_id
    try:
        permissions.check_can_moderate(request.user, category=category)
    except ForumError as exc:
        return refused(request, exc)
    back = reverse("web:post", kwargs={"pk": target.pk}) if is_post else target.get_absolute_url()
    status = 200
    if request.method == "POST":
        form = forms.ModerateForm(request.POST, actions=actions)
        if form.is_valid():
            try:
                result = moderation_actions.perform(
                    form.cleaned_data["action"],
                    actor=request.user,
                    target=target,
                    reason=form.cleaned_data["reason"],
                )
            except ForumError as exc:
                forms.add_forum_error(form, exc)
                status = exc.status
            else:
                messages.success(request, result.message)
                return redirect(back)
        else:
            status = 400
    else:
        form = forms.ModerateForm(
            initial={"action": request.GET.get("action", "")}, actions=actions
        )
    context = {"form": form, "target": target, "back": back, "is_post": is_post}
    if is_post:
        context["review_items"] = moderation_selectors.pending_review_items(
            [selectors.PostView(target, True, "")]
        )
    return render(request, "web/moderate.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def sanction_appeal(request: HttpRequest, token: str) -> HttpResponse:
    """The member under a sanction asks, once, for it to be looked at again; after that
    the page shows the appeal and where it stands. Reached by the signed link in the
    mail and the banner, which names the sanction and its member: a suspended or banned
    member cannot sign in to appeal."""
    sanction = sanction_for_appeal_token(token)
    if sanction is None:
        raise Http404("No such sanction.")
    member = sanction.user
    appeal = Appeal.objects.filter(sanction=sanction).select_related("decided_by").first()
    if appeal is None:
        try:
            permissions.check_can_appeal_sanction(member, sanction, now=timezone.now())
        except ForumError as exc:
            return refused(request, exc)
    status = 200
    form = None
    if appeal is None:
        form = forms.AppealForm(request.POST if request.method == "POST" else None)
        if request.method == "POST":
            if form.is_valid():
                try:
                    moderation_services.sanction_appeal_file(
                        author=member, sanction=sanction, message=form.cleaned_data["message"]
                    )
                except ForumError as exc:
                    forms.add_forum_error(form, exc)
                    status = exc.status
                else:
                    messages.success(request, "Your appeal is with the moderators.")
                    return redirect("web:sanction-appeal", token=token)
            else:
                status = 400
    context = {"sanction": sanction, "appeal": appeal, "form": form, "token": token}
    return form_page(request, "web/sanction_appeal.html", context, form=form, status=status)


@require_safe
def open_work(request: HttpRequest) -> JsonResponse:
    """How much work waits for the moderator asking, as `{"open": n}`: what their page's
    header asks for every QUEUE_POLL_SECONDS while it is the visible tab. One or two
    counts; never stored by any cache."""
    try:
        permissions.check_can_moderate(request.user)
    except ForumError as exc:
        response = JsonResponse(exc.as_body(), status=exc.status)
    else:
        response = JsonResponse({"open": moderation_selectors.open_work_count(user=request.user)})
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_POST
def settings_queue_digest(request: HttpRequest) -> HttpResponse:
    """A moderator turns the e-mail digest of new queue work on or off."""
    form = forms.QueueDigestForm(request.POST)
    enabled = form.is_valid() and form.cleaned_data["enabled"]
    try:
        moderation_alerts.queue_digest_set(moderator=request.user, enabled=enabled)
    except ForumError as exc:
        return refused(request, exc)
    note = "You will get new queue work by e-mail." if enabled else "No more queue mails."
    messages.success(request, note)
    return redirect(reverse("web:settings") + "#queue-digest")
