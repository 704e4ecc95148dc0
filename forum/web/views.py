"""Server-rendered pages. Thin: validate a form, call one service or selector, then
redirect (POST/redirect/GET) or render the form again with the service's refusal next
to the field it names. Every page works without JavaScript."""

import difflib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_str
from django.utils.http import (
    url_has_allowed_host_and_scheme,
    urlencode,
    urlsafe_base64_decode,
)
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from forum.accounts import services as account_services
from forum.accounts.models import ApiToken, User
from forum.core import pagecache, permissions
from forum.core.errors import (
    ForumError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from forum.core.text import clean_text
from forum.notifications import selectors as notification_selectors
from forum.notifications import services as notification_services
from forum.notifications.models import WatchLevel
from forum.threads import selectors
from forum.threads import services as thread_services
from forum.threads.models import Category, Post, PostState
from forum.threads.rendering import RenderedTooLarge, render_markdown
from forum.web import forms
from forum.web.drafts import (
    DRAFT_SESSION_KEY,
    draft_keep,
    draft_take,
    login_again_keeping,
    member_required,
)
from forum.web.mail import send_signup_mail, signup_token_generator
from forum.web.quoting import quote_whole_post
from forum.web.reading import page_keeping_branches, reply_tree, table_of_contents
from moderation import actions as moderation_actions
from moderation import services as moderation_services
from moderation.content import content_from_html
from moderation.models import Appeal, ReviewItem

THREADS_PER_PAGE = 30


def _refused(request: HttpRequest, exc: ForumError) -> HttpResponse:
    """A page saying why a request was refused, with the error's status."""
    if isinstance(exc, NotAuthenticated):
        return redirect_to_login(request.get_full_path())
    return render(request, "web/refused.html", {"message": exc.message}, status=exc.status)


def _form_page(request: HttpRequest, template: str, context: dict, *, form, status: int):
    """Render a page holding `form`. A refusal for posting too fast keeps its 429 and
    says when to try again, as the API does."""
    response = render(request, template, context, status=status)
    retry_after = getattr(form, "retry_after", None)
    if status == 429 and retry_after:
        response["Retry-After"] = str(retry_after)
    return response


# --- reading ------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    def build() -> HttpResponse:
        threads = Paginator(selectors.thread_list(user=request.user), THREADS_PER_PAGE)
        page = threads.get_page(request.GET.get("page"))
        return render(
            request,
            "web/home.html",
            {"categories": selectors.category_list(), "page": page},
        )

    return pagecache.cached_for_anonymous(
        request, kind="web:home", depends_on=pagecache.LISTS, build=build
    )


def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    def build() -> HttpResponse:
        category = get_object_or_404(Category, slug=slug)
        threads = Paginator(
            selectors.thread_list(user=request.user, category=category), THREADS_PER_PAGE
        )
        page = threads.get_page(request.GET.get("page"))
        return render(request, "web/category.html", {"category": category, "page": page})

    return pagecache.cached_for_anonymous(
        request, kind="web:category", depends_on=pagecache.LISTS, build=build
    )


def _thread_or_404(request: HttpRequest, pk: int):
    try:
        return selectors.thread_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _reply_target(request: HttpRequest, thread) -> Post | None:
    """The post named by ?reply_to=, or None when there is none. Raises
    ValidationFailed (field "parent") for an id that is no post of `thread` the reader
    may see, in the same words whatever the reason, so nothing hidden is revealed."""
    raw = request.GET.get("reply_to", "")
    if not raw:
        return None
    parent = None
    if raw.isdigit() and len(raw) <= 18:
        parent = (
            Post.objects.select_related("author")
            .filter(pk=int(raw), thread=thread, deleted_at__isnull=True)
            .first()
        )
    if parent is None or not permissions.can_view_post(request.user, parent):
        raise ValidationFailed.for_field(
            "parent", "The post you are replying to is not in this thread.", code="bad_parent"
        )
    return parent


REPLY_DRAFT_FIELDS = ("body",)


@require_http_methods(["GET", "HEAD", "POST"])
def thread_detail(request: HttpRequest, pk: int, slug: str = "") -> HttpResponse:
    """The thread, its replies in reading order, and a reply form: under the opening post,
    or under the post named by ?reply_to= (with &quote=1, the form starts with that post
    quoted). POST sends the reply."""
    # Anonymous readers of an unchanged thread get the page stored for them: no query.
    cached = pagecache.CachedPage(request, kind="web:thread", depends_on=pagecache.thread_token(pk))
    if cached.response is not None:
        return cached.response
    thread = _thread_or_404(request, pk)
    if slug != thread.slug and request.method != "POST":
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        return redirect(thread.get_absolute_url() + query, permanent=not query)
    status = 200
    reply_to, reply_to_error = None, ""
    try:
        reply_to = _reply_target(request, thread)
    except ValidationFailed as exc:
        reply_to_error = exc.fields["parent"][0]
        status = 400
    if request.method == "POST":
        if not request.user.is_authenticated:
            return login_again_keeping(request, fields=REPLY_DRAFT_FIELDS)
        form = forms.ReplyForm(request.POST)
        if form.is_valid() and not reply_to_error:
            try:
                post = thread_services.post_create(
                    author=request.user,
                    thread=thread,
                    body=form.cleaned_data["body"],
                    parent=reply_to,
                )
            except ForumError as exc:
                forms.add_forum_error(form, exc)
                status = exc.status
            else:
                if post.state == PostState.PENDING:
                    messages.info(request, f"Your reply waits for approval. {post.state_reason}")
                return redirect(_post_location(post))
        else:
            status = 400
    else:
        form = forms.ReplyForm(initial=_reply_initial(request, reply_to))

    def build() -> HttpResponse:
        context = _thread_context(request, thread, form=form, reply_to=reply_to)
        context["reply_to_error"] = reply_to_error
        return _form_page(request, "web/thread.html", context, form=form, status=status)

    return cached.store(build)


def _reply_initial(request: HttpRequest, reply_to: Post | None) -> dict:
    """What the reply form starts with: a draft kept across a lost session, or with
    ?quote=1 the whole post being replied to, quoted (only a visible post: a moderator's
    reply must not carry a hidden post's text into the open)."""
    draft = draft_take(request) if request.user.is_authenticated else None
    if draft:
        return draft
    if (
        request.GET.get("quote")
        and reply_to is not None
        and reply_to.state == PostState.VISIBLE
        and reply_to.deleted_at is None
    ):
        return {"body": quote_whole_post(reply_to)}
    return {}


def _thread_context(request: HttpRequest, thread, *, form, reply_to: Post | None) -> dict:
    user = request.user
    after = request.GET.get("after", "")
    rows = selectors.thread_posts_page(
        user=user,
        thread=thread,
        after_path=after,
        limit=selectors.POSTS_PAGE_SIZE + 1,
        max_depth=selectors.BRANCH_DEPTH,
    )
    posts, has_more = page_keeping_branches(rows, limit=selectors.POSTS_PAGE_SIZE, top_depth=1)
    opening = posts[0] if posts and posts[0].post.is_opening_post else None
    is_moderator = permissions.is_moderator(user)
    can_reply = user.is_authenticated and (not thread.is_locked or is_moderator)
    context = {
        "thread": thread,
        "posts": posts,
        "opening": opening,
        "toc": table_of_contents(opening.post.headings) if opening and opening.can_read else [],
        "replies": reply_tree(posts[1:] if opening else posts, top_depth=1),
        "next_after": posts[-1].post.path if has_more else "",
        "after": after,
        "can_reply": can_reply,
        "is_moderator": is_moderator,
        "review_items": _pending_review_items(posts) if is_moderator else {},
        "reply_form": form,
        "reply_to": reply_to,
        "reply_to_on_page": reply_to is not None
        and any(item.post.pk == reply_to.pk for item in posts),
    }
    if user.is_authenticated:
        level = notification_selectors.thread_watch_level(user=user, thread=thread)
        context["watch_form"] = forms.WatchForm(initial={"level": level})
    return context


def _pending_review_items(posts) -> dict[int, int]:
    """{post id: pending review item id} for the posts on a page, in one query, so a
    moderator's quick tools can link to the item in the admin's review queue."""
    if not posts:
        return {}
    return dict(
        ReviewItem.objects.filter(
            post_id__in=[item.post.pk for item in posts], state=ReviewItem.State.PENDING
        ).values_list("post_id", "pk")
    )


POSTS_SHOWN_BEFORE_TARGET = 3


def _post_location(post: Post) -> str:
    """The URL of the page that shows `post`, at its anchor: the thread page, or for a
    reply deeper than it goes, the branch page its "continue" links lead to. A post
    beyond a first page gets a page starting a few posts before it, so it is on the page
    whatever the thread's length. (Two indexed queries on (thread, path), one more for a
    deep reply.)"""
    if post.depth > selectors.BRANCH_DEPTH:
        root = selectors.branch_root(post=post)
        url = reverse("web:post-branch", kwargs={"pk": root.pk})
        earlier = selectors.branch_earlier_posts(post=root, target=post)
    else:
        url = post.thread.get_absolute_url()
        earlier = Post.objects.filter(
            thread_id=post.thread_id, path__lt=post.path, depth__lte=selectors.BRANCH_DEPTH
        )
    # A page keeps at least its first half (see page_keeping_branches), so a post among
    # the first half of the posts stays on the first page; any later one gets a page of
    # its own starting just before it.
    if earlier.order_by("path")[selectors.POSTS_PAGE_SIZE // 2 - 1 :].exists():
        paths = list(
            earlier.order_by("-path").values_list("path", flat=True)[
                : POSTS_SHOWN_BEFORE_TARGET + 1
            ]
        )
        url += f"?{urlencode({'after': paths[-1]})}"
    return f"{url}#post-{post.pk}"


def post_permalink(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(Post.objects.select_related("thread"), pk=pk)
    if not permissions.can_view_post(request.user, post) or not permissions.can_view_thread(
        request.user, post.thread
    ):
        raise Http404("No such post.")
    return redirect(_post_location(post))


def post_branch(request: HttpRequest, pk: int) -> HttpResponse:
    """A post and the replies below it, for branches deeper than the thread page goes."""
    root = get_object_or_404(
        Post.objects.select_related("thread__category", "thread__author", "author"), pk=pk
    )
    user = request.user
    root_view = selectors.post_as_seen_by(user=user, post=root)
    if root_view is None or not permissions.can_view_thread(user, root.thread):
        raise Http404("No such post.")
    after = request.GET.get("after", "")
    rows = selectors.branch_posts_page(
        user=user, post=root, after_path=after, limit=selectors.POSTS_PAGE_SIZE + 1
    )
    posts, has_more = page_keeping_branches(
        rows, limit=selectors.POSTS_PAGE_SIZE, top_depth=root.depth + 1
    )
    is_moderator = permissions.is_moderator(user)
    context = {
        "thread": root.thread,
        "root": root_view,
        "replies": reply_tree(posts, top_depth=root.depth + 1),
        "review_items": _pending_review_items([root_view, *posts]) if is_moderator else {},
        "next_after": posts[-1].post.path if has_more else "",
        "after": after,
        "can_reply": user.is_authenticated and (not root.thread.is_locked or is_moderator),
        "is_moderator": is_moderator,
    }
    return render(request, "web/branch.html", context)


def profile(request: HttpRequest, username: str) -> HttpResponse:
    member = get_object_or_404(User, username=username, is_active=True)
    threads = selectors.thread_list(user=request.user).filter(author=member)[:20]
    viewer = request.user
    context = {"member": member, "threads": threads}
    if viewer.is_authenticated and viewer.pk != member.pk:
        context["can_mute"] = True
        context["is_muted"] = member.username in notification_services.mutes_of(user=viewer)
    return render(request, "web/profile.html", context)


# --- composing ----------------------------------------------------------------------


def _preview(form, field: str = "body") -> str:
    """The sanitised HTML `form`'s body would be stored as, or "" with the reason added
    to the form. Validates as the services do, so a preview never costs more than a
    post would."""
    body = form.cleaned_data.get(field)
    if body is None:
        return ""
    try:
        body = clean_text(
            body,
            field=field,
            min_length=1,
            max_length=settings.PARLEY["BODY_MAX_LENGTH"],
            multiline=True,
        )
        return render_markdown(body).html
    except ValidationFailed as exc:
        forms.add_forum_error(form, exc)
    except RenderedTooLarge as exc:
        form.add_error(field, f"This post is too complex to display: it {exc}. Split it up.")
    return ""


@member_required(draft_fields=("category", "title", "body"))
@require_http_methods(["GET", "HEAD", "POST"])
def thread_new(request: HttpRequest) -> HttpResponse:
    """Start a thread; ?category=<slug> picks the category. "Preview" shows the body
    rendered below the form without saving anything."""
    preview_html = ""
    status = 200
    if request.method == "POST":
        form = forms.ThreadForm(request.POST)
        valid = form.is_valid()
        if "preview" in request.POST:
            preview_html = _preview(form)
        elif valid:
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
        initial = draft_take(request) or {"category": request.GET.get("category", "")}
        form = forms.ThreadForm(initial=initial)
    context = {"form": form, "preview_html": preview_html}
    return _form_page(request, "web/thread_new.html", context, form=form, status=status)


@member_required(draft_fields=("title", "body", "reason"))
@require_http_methods(["GET", "HEAD", "POST"])
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(Post.objects.select_related("thread", "thread__category"), pk=pk)
    try:
        permissions.check_can_edit_post(request.user, post)
    except ForumError as exc:
        return _refused(request, exc)
    # A moderator editing someone else's post does so as a logged moderation action,
    # which changes the body only.
    as_moderator = post.author_id != request.user.pk
    has_title = post.is_opening_post and not as_moderator
    form_options = {"has_title": has_title, "reason_required": as_moderator}
    preview_html = ""
    status = 200
    if request.method == "POST":
        form = forms.EditForm(request.POST, **form_options)
        valid = form.is_valid()
        if "preview" in request.POST:
            preview_html = _preview(form)
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
        {"form": form, "post": post, "preview_html": preview_html},
        status=status,
    )


def _revision_text(revision) -> list[str]:
    lines = [f"Title: {revision.title}", ""] if revision.title else []
    return lines + revision.body_source.split("\n")


def _unified_diff(older, newer) -> list[tuple[str, str]]:
    """(kind, line) pairs of a unified diff between two revisions' sources; kind is
    "add", "del", "hunk" or "same". Lines are escaped by the template."""
    kinds = {"+": "add", "-": "del", "@": "hunk"}
    diff = difflib.unified_diff(
        _revision_text(older),
        _revision_text(newer),
        fromfile=f"revision {older.number}",
        tofile=f"revision {newer.number}",
        lineterm="",
        n=2,
    )
    lines = []
    for line in diff:
        if line.startswith(("---", "+++")):
            continue
        lines.append((kinds.get(line[:1], "same"), line))
    return lines


def post_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every revision of a post, each with its diff from the one before. Shown to the
    author and to moderators: an earlier revision may hold what a moderator edited out."""
    post = get_object_or_404(Post.objects.select_related("thread", "author"), pk=pk)
    try:
        permissions.check_can_view_post_history(request.user, post)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    revisions = list(post.revisions.select_related("editor").order_by("number"))
    entries = [
        {
            "revision": revision,
            "diff": _unified_diff(revisions[index - 1], revision) if index else [],
        }
        for index, revision in enumerate(revisions)
    ]
    entries.reverse()
    return render(request, "web/post_history.html", {"post": post, "entries": entries})


# --- reporting, watching, moderating -------------------------------------------------

PARAGRAPH_LABEL_LENGTH = 80


@member_required(draft_fields=("reason", "paragraph", "message"))
@require_http_methods(["GET", "HEAD", "POST"])
def post_report(request: HttpRequest, pk: int) -> HttpResponse:
    """Report a post, or with ?paragraph=N one paragraph of it (numbered from 0, as the
    moderation checks number them)."""
    post = get_object_or_404(Post.objects.select_related("thread", "author"), pk=pk)
    try:
        permissions.check_can_report(request.user, post)
        permissions.check_can_view_thread(request.user, post.thread)
    except ForumError as exc:
        return _refused(request, exc)
    paragraphs = [
        (paragraph.index, _shorten(paragraph.text))
        for paragraph in content_from_html(post.body_html).paragraphs
        if paragraph.text.strip()
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
        initial = {"paragraph": paragraph if paragraph.isdigit() else ""}
        initial.update(draft_take(request) or {})
        form = forms.ReportForm(initial=initial, paragraphs=paragraphs)
    context = {"form": form, "post": post}
    return _form_page(request, "web/post_report.html", context, form=form, status=status)


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
    if post.author_id != request.user.pk:
        raise Http404("No such post.")
    # Once appealed, the author can come back to see the outcome, whatever it was.
    appeal = Appeal.objects.filter(post=post).select_related("review_item").first()
    if appeal is None:
        try:
            permissions.check_can_appeal(request.user, post)
        except ForumError as exc:
            return _refused(request, exc)
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
    return _form_page(request, "web/post_appeal.html", context, form=form, status=status)


@login_required
@require_POST
def thread_watch(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    thread = _thread_or_404(request, pk)
    form = forms.WatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the notification levels.")
    else:
        notification_services.watch_set(
            user=request.user, thread=thread, level=form.cleaned_data["level"]
        )
        label = WatchLevel(form.cleaned_data["level"]).label
        messages.success(request, f"Notifications for this thread: {label}.")
    return redirect(thread.get_absolute_url())


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def post_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    """A moderator's action on one post. The thread page's quick buttons post here; a
    refusal (a missing reason) comes back on this page with the reason field marked."""
    post = get_object_or_404(Post.objects.select_related("thread", "author"), pk=pk)
    return _moderate(request, target=post, actions=forms.MODERATOR_POST_ACTIONS)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def thread_moderate(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    thread = get_object_or_404(selectors.thread_list(user=request.user), pk=pk)
    return _moderate(request, target=thread, actions=forms.MODERATOR_THREAD_ACTIONS)


def _moderate(request: HttpRequest, *, target, actions: tuple[str, ...]) -> HttpResponse:
    if not permissions.is_moderator(request.user):
        return _refused(
            request, PermissionDenied("Only moderators can do this.", code="not_moderator")
        )
    is_post = isinstance(target, Post)
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
        context["review_items"] = _pending_review_items([selectors.PostView(target, True, "")])
    return render(request, "web/moderate.html", context, status=status)


# --- notifications --------------------------------------------------------------------


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    page = Paginator(notification_selectors.inbox(user=request.user), 30).get_page(
        request.GET.get("page")
    )
    items = [(n, notification_selectors.describe(n)) for n in page.object_list]
    return render(request, "web/notifications.html", {"page": page, "items": items})


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification: mark it read and go to its post (or to the inbox when it
    has none, or its post can no longer be seen). Another member's notification, or
    one the inbox no longer shows, is not found."""
    notification = get_object_or_404(notification_selectors.inbox(user=request.user), pk=pk)
    notification_services.notifications_mark_read(user=request.user, ids=[notification.pk])
    if notification.post_id is None:
        return redirect("web:notifications")
    return redirect("web:post", pk=notification.post_id)


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    marked = notification_services.notifications_mark_read(user=request.user)
    messages.success(request, f"Marked {marked} notification{'' if marked == 1 else 's'} read.")
    return redirect("web:notifications")


@csrf_exempt  # the signed token authenticates; mail clients POST it with no session (RFC 8058)
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    from forum.notifications import email

    member = email.user_for_unsubscribe_token(token)
    if member is None:
        return render(request, "web/unsubscribe.html", {"invalid": True}, status=400)
    done = False
    if request.method == "POST":
        email.email_unsubscribe(user=member)
        done = True
    return render(request, "web/unsubscribe.html", {"member": member, "done": done})


# Text fields worth keeping from any of the forum's forms; never a password.
KEPT_ON_CSRF_FAILURE = ("category", "title", "body", "reason", "paragraph", "message")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF_FAILURE_VIEW. A form whose token went stale (its page was loaded
    before the member logged in or out in another tab) is refused, as it must be, but
    what was typed is kept for the page it came from, and the answer says how to get it
    back: load that page again and send it."""
    draft_keep(request, fields=KEPT_ON_CSRF_FAILURE)
    kept = DRAFT_SESSION_KEY in request.session
    context = {"kept": kept, "back": request.get_full_path()}
    return render(request, "web/csrf_failure.html", context, status=403)


# --- accounts ---------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Sign up. Whether or not the e-mail address has an account already, the answer is
    the same page and one e-mail to that address, so addresses cannot be probed."""
    if request.user.is_authenticated:
        return redirect("web:home")
    status = 200
    if request.method == "POST":
        form = forms.SignupForm(request.POST)
        # Only sign-ups that went through count: correcting a taken username does not.
        if form.is_valid() and _over_rate(
            request, form, kind="signup-address", limit=SIGNUPS_PER_ADDRESS
        ):
            return _form_page(request, "web/signup.html", {"form": form}, form=form, status=429)
        if form.is_valid():
            try:
                user = account_services.user_signup(
                    username=form.cleaned_data["username"],
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password"],
                )
            except ForumError as exc:
                forms.add_forum_error(form, exc)
                status = exc.status
            else:
                forms.attempt_count(_rate_key(request, "signup-address"), window=forms.RATE_WINDOW)
                email = form.cleaned_data["email"]
                mail_key = forms.address_key("signup-email", email)
                # Past the limit the answer is the same page with no mail, so sign-up
                # cannot be used to flood somebody's inbox.
                if forms.attempts_made(mail_key) < SIGNUP_MAILS_PER_EMAIL:
                    forms.attempt_count(mail_key, window=forms.RATE_WINDOW)
                    send_signup_mail(request, email=email, user=user)
                return redirect("web:signup-done")
        else:
            status = 400
    else:
        form = forms.SignupForm()
    return render(request, "web/signup.html", {"form": form}, status=status)


def signup_done(request: HttpRequest) -> HttpResponse:
    return render(request, "web/signup_done.html")


def _user_for_signup_token(uidb64: str, token: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, OverflowError):
        return None
    user = User.objects.filter(pk=pk).first()
    if user is None or not signup_token_generator.check_token(user, token):
        return None
    return user


@require_http_methods(["GET", "HEAD", "POST"])
def signup_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The link from the confirmation e-mail. GET asks (mail scanners follow links);
    POST activates the account and logs its owner in."""
    user = _user_for_signup_token(uidb64, token)
    if user is None:
        return render(request, "web/signup_confirm.html", {"invalid": True}, status=400)
    if request.method == "POST":
        account_services.user_activate(user=user)
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        messages.success(request, f"Welcome to Parley, {user.shown_name}.")
        return redirect("web:home")
    return render(request, "web/signup_confirm.html", {"member": user})


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = forms.ThrottledAuthenticationForm
    redirect_authenticated_user = True
    next_page = "web:home"

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 429 if form.throttled else 400
        return response


logout = auth_views.LogoutView.as_view(next_page="web:home")

password_change = login_required(
    auth_views.PasswordChangeView.as_view(
        template_name="web/password_change.html",
        form_class=forms.PasswordChangeForm,
        success_url=reverse_lazy("web:password-change-done"),
    )
)
password_change_done = login_required(
    auth_views.PasswordChangeDoneView.as_view(template_name="web/password_change_done.html")
)
RESETS_PER_ADDRESS = 10  # requests per client address in forms.RATE_WINDOW
SIGNUPS_PER_ADDRESS = 5  # sign-ups made per client address in forms.RATE_WINDOW
SIGNUP_MAILS_PER_EMAIL = 3  # confirmation or "you have an account" mails per address


def _rate_key(request: HttpRequest, kind: str) -> str:
    return forms.address_key(kind, request.META.get("REMOTE_ADDR", ""))


def _over_rate(request: HttpRequest, form, *, kind: str, limit: int) -> bool:
    """True, with the refusal added to `form`, when this client address has made `limit`
    counted `kind` requests this hour."""
    if forms.attempts_made(_rate_key(request, kind)) < limit:
        return False
    form.add_error(None, "Too many requests from your address. Wait an hour and try again.")
    form.retry_after = forms.RATE_WINDOW
    return True


class PasswordResetView(auth_views.PasswordResetView):
    def form_valid(self, form):
        if _over_rate(self.request, form, kind="reset-address", limit=RESETS_PER_ADDRESS):
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(forms.RATE_WINDOW)
            return response
        forms.attempt_count(_rate_key(self.request, "reset-address"), window=forms.RATE_WINDOW)
        return super().form_valid(form)


password_reset = PasswordResetView.as_view(
    template_name="web/password_reset.html",
    form_class=forms.PasswordResetForm,
    email_template_name="web/email/password_reset.txt",
    subject_template_name="web/email/password_reset_subject.txt",
    success_url=reverse_lazy("web:password-reset-done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="web/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="web/password_reset_confirm.html",
    form_class=forms.SetPasswordForm,
    success_url=reverse_lazy("web:password-reset-complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="web/password_reset_complete.html"
)


def _settings_page(request: HttpRequest, *, status: int = 200, **forms_shown) -> HttpResponse:
    """The settings page; a form that came back with errors replaces its blank twin."""
    user = request.user
    context = {
        "form": forms.SettingsForm(initial=forms.user_settings_initial(user)),
        "mute_form": forms.MuteForm(),
        "token_form": forms.TokenForm(),
        "sessions_form": forms.LogOutEverywhereForm(user=user),
        "mutes": notification_services.mutes_of(user=user),
        "tokens": ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by(
            "-created_at"
        ),
        **forms_shown,
    }
    shown = next(iter(forms_shown.values()), None)
    return _form_page(request, "web/settings.html", context, form=shown, status=status)


@member_required(draft_fields=("display_name", "bio", "email_frequency"))
@require_http_methods(["GET", "HEAD", "POST"])
def account_settings(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        draft = draft_take(request)
        if draft:
            initial = {**forms.user_settings_initial(request.user), **draft}
            return _settings_page(request, form=forms.SettingsForm(initial=initial))
        return _settings_page(request)
    form = forms.SettingsForm(request.POST)
    if form.is_valid():
        try:
            account_services.user_update_profile(user=request.user, **form.cleaned_data)
        except ForumError as exc:
            forms.add_forum_error(form, exc)
            return _settings_page(request, status=exc.status, form=form)
        messages.success(request, "Your settings are saved.")
        return redirect("web:settings")
    return _settings_page(request, status=400, form=form)


@login_required
@require_POST
def settings_mute(request: HttpRequest) -> HttpResponse:
    """Mute the member named in the form, or with `unmute` set, unmute them."""
    form = forms.MuteForm(request.POST)
    muted = "unmute" not in request.POST
    if form.is_valid():
        username = form.cleaned_data["username"]
        try:
            changed = notification_services.mute_set(
                user=request.user, username=username, muted=muted
            )
        except NotFound:
            form.add_error("username", "There is no member with that username.")
        except ForumError as exc:
            forms.add_forum_error(form, exc)
        else:
            if muted:
                note = "is muted" if changed else "was muted already"
            else:
                note = "is no longer muted" if changed else "was not muted"
            messages.success(request, f"{username} {note}.")
            back = request.POST.get("next", "")
            if back and url_has_allowed_host_and_scheme(
                back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                return redirect(back)
            return redirect(reverse("web:settings") + "#muted")
    return _settings_page(request, status=400, mute_form=form)


@login_required
@require_POST
def settings_token_create(request: HttpRequest) -> HttpResponse:
    """Create an API token and show it, this once, on the page that answers the POST;
    only its digest is stored, so it cannot be shown again."""
    form = forms.TokenForm(request.POST)
    if form.is_valid():
        try:
            row, token = account_services.token_create(user=request.user, **form.cleaned_data)
        except ForumError as exc:
            forms.add_forum_error(form, exc)
            return _settings_page(request, status=exc.status, token_form=form)
        response = render(request, "web/token_created.html", {"row": row, "token": token})
        response["Cache-Control"] = "no-store"
        return response
    return _settings_page(request, status=400, token_form=form)


@login_required
@require_POST
def settings_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        revoked = account_services.token_revoke(user=request.user, token_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    messages.success(request, "The token is revoked." if revoked else "It was revoked already.")
    return redirect(reverse("web:settings") + "#tokens")


@login_required
@require_POST
def settings_log_out_everywhere(request: HttpRequest) -> HttpResponse:
    """End every other session of the member; this one carries on."""
    form = forms.LogOutEverywhereForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            account_services.user_log_out_everywhere(
                user=request.user, password=form.cleaned_data["password"]
            )
        except ForumError as exc:
            form.count_failure()
            forms.add_forum_error(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, "You are logged out everywhere else.")
            return redirect(reverse("web:settings") + "#sessions")
    status = 429 if form.throttled else 400
    return _settings_page(request, status=status, sessions_form=form)
