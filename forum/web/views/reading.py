"""Reading: the home and category lists, a thread (whose reply form posts back to it),
branches, permalinks, profiles and a post's history. Every capability a page offers comes
from forum.core.permissions through the selectors; the templates only show it."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.functional import lazy
from django.views.decorators.http import require_http_methods, require_safe

from forum.core import fragments, pagecache, permissions
from forum.core.errors import (
    ForumError,
    NotFound,
    ValidationFailed,
)
from forum.core.text import whole_number
from forum.notifications import selectors as notification_selectors
from forum.threads import activity, selectors
from forum.threads import services as thread_services
from forum.threads.activity import ActivityKind
from forum.threads.drafts import selectors as draft_selectors
from forum.threads.models import Category, Draft, Post, PostState, ReactionKind
from forum.web import forms, slots
from forum.web import images as composer_images
from forum.web.drafts import (
    draft_take,
    login_again_keeping,
)
from forum.web.quoting import quote_whole_post
from forum.web.reading import page_keeping_branches, reply_tree, table_of_contents
from forum.web.revisions import paragraph_diff
from forum.web.views.pages import (
    form_page,
    post_location,
    private_page,
    thread_for_reader,
)
from forum.web.views.unread import live_updates, read_page, with_read_states
from forum.web.views.writing import preview_keeping_draft
from moderation import selectors as moderation_selectors

THREADS_PER_PAGE = 30


class ListPage:
    """One page of a list of threads, numbered from 1, with links to the pages before and
    after it but no count of them: counting every thread a reader may see is a scan of
    the whole table, while a page is one index range (one row more than it shows, to
    know whether another follows). A page number that is not one is the first page."""

    def __init__(self, threads, number, per_page: int = THREADS_PER_PAGE) -> None:
        self.number = self.page_number(number)
        start = (self.number - 1) * per_page
        rows = list(threads[start : start + per_page + 1])
        self.object_list = rows[:per_page]
        self.has_next = len(rows) > per_page
        self.has_previous = self.number > 1
        self.previous_page_number = self.number - 1
        self.next_page_number = self.number + 1

    def asked_as(self, number) -> bool:
        """Whether `number` (?page=) is this page's own address: absent, or its number
        written plainly, and not past the last page."""
        if number is None:
            return True
        return number == str(self.number) and (bool(self.object_list) or self.number == 1)

    @staticmethod
    def page_number(number) -> int:
        """The page asked for by `number` (?page=), or 1 for anything that is not one."""
        return whole_number(number, max_digits=6) or 1


@require_safe
@private_page
def home(request: HttpRequest) -> HttpResponse:
    def build() -> HttpResponse:
        asked = request.GET.get("page")
        page = ListPage(selectors.thread_list(user=request.user), asked)
        page.object_list = with_read_states(request.user, page.object_list)
        response = render(
            request,
            "web/home.html",
            {
                "categories": selectors.category_list(),
                "page": page,
                "muted_ids": _muted_thread_authors(request.user, page),
            },
        )
        return response if page.asked_as(asked) else pagecache.not_to_keep(response)

    return pagecache.cached_for_anonymous(
        request, kind="web:home", depends_on=pagecache.LISTS, build=build
    )


@require_safe
@private_page
def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    def build() -> HttpResponse:
        category = get_object_or_404(Category, slug=slug)
        asked = request.GET.get("page")
        page = ListPage(selectors.thread_list(user=request.user, category=category), asked)
        page.object_list = with_read_states(request.user, page.object_list)
        context = {
            "category": category,
            "page": page,
            "muted_ids": _muted_thread_authors(request.user, page),
        }
        response = render(request, "web/category.html", context)
        return response if page.asked_as(asked) else pagecache.not_to_keep(response)

    return pagecache.cached_for_anonymous(
        request, kind="web:category", depends_on=pagecache.LISTS, build=build
    )


def _muted_thread_authors(user, page: ListPage) -> frozenset[int]:
    """The starters of the page's threads whom `user` muted: their rows are marked and
    dimmed, not left out, so a list still shows every thread there is."""
    return notification_selectors.muted_among(
        user=user, author_ids={thread.author_id for thread in page.object_list}
    )


def _reply_target(request: HttpRequest, thread) -> Post | None:
    """The post named by ?reply_to=, or None when there is none. Raises
    ValidationFailed (field "parent") for an id that is no post of `thread` the reader
    may see, in the same words whatever the reason, so nothing hidden is revealed, and
    for a post they see that takes no replies (a removed one). A reader who may not
    reply in the thread at all (signed out, under a sanction, a locked thread) is not
    refused here: the page says why in place of the form."""
    raw = request.GET.get("reply_to", "")
    if not raw:
        return None
    pk = whole_number(raw) or 0  # no post has the id 0
    parent = selectors.reply_target(user=request.user, thread=thread, pk=pk)
    if permissions.can_reply(request.user, thread) and not permissions.can_reply_to_post(
        request.user, parent
    ):
        raise ValidationFailed.for_field("parent", "This post takes no replies.", code="bad_parent")
    return parent


REPLY_DRAFT_FIELDS = ("body",)


@require_http_methods(["GET", "HEAD", "POST"])
@private_page
def thread_detail(request: HttpRequest, pk: int, slug: str = "") -> HttpResponse:
    """The thread, its replies in reading order, and a reply form: under the opening post,
    or under the post named by ?reply_to= (with &quote=1, the form starts with that post
    quoted), filled from the member's draft. POST sends the reply; with "preview", it
    shows the reply rendered under the form instead and keeps it as the draft."""
    # Anonymous readers of an unchanged thread get the page stored for them: no query.
    cached = pagecache.CachedPage(request, kind="web:thread", depends_on=pagecache.thread_token(pk))
    if cached.response is not None:
        return cached.response
    thread = thread_for_reader(request, pk)
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
    upload_error, preview_html = "", ""
    if request.method == "POST" and not request.user.is_authenticated:
        return login_again_keeping(request, fields=REPLY_DRAFT_FIELDS)
    draft = (
        draft_selectors.draft_get(user=request.user, thread=thread)
        if thread.reader is not None
        and thread.reader.has_draft
        and permissions.can_keep_draft(request.user, thread)
        else None
    )
    if composer_images.wants_upload(request):
        form, upload_error, status = composer_images.upload_into_form(
            request, forms.ReplyForm, ("body",)
        )
    elif request.method == "POST":
        form = forms.ReplyForm(request.POST)
        if "preview" in request.POST:
            preview_html, draft = preview_keeping_draft(
                request, form, thread=thread, draft=draft, parent=reply_to, keep=not reply_to_error
            )
            status = 400 if form.errors else status
        elif form.is_valid() and not reply_to_error:
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
                return redirect(post_location(post))
        else:
            status = 400
    else:
        form = forms.ReplyForm(initial=_reply_initial(request, reply_to, draft))

    def build() -> HttpResponse:
        context = _thread_context(
            request,
            thread,
            form=form,
            reply_to=reply_to,
            reply_to_error=reply_to_error,
            upload_error=upload_error,
            preview_html=preview_html,
            draft=draft,
        )
        response = form_page(request, "web/thread.html", context, form=form, status=status)
        asked = request.GET.get("after")
        if asked is not None and selectors.reading_place(asked) != asked:
            return pagecache.not_to_keep(response)
        return response

    return cached.store(build)


def _reply_initial(request: HttpRequest, reply_to: Post | None, draft: Draft | None) -> dict:
    """What the reply form starts with: what the session keeper holds (typed last, before
    a session ended), else the member's draft; with ?quote=1, the whole post being
    replied to, quoted, after it (only a visible post: a moderator's reply must not carry
    a hidden post's text into the open)."""
    kept = draft_take(request) if request.user.is_authenticated else None
    if kept:
        return kept
    body = draft.body if draft is not None else ""
    if (
        request.GET.get("quote")
        and reply_to is not None
        and reply_to.state == PostState.VISIBLE
        and reply_to.deleted_at is None
    ):
        body = f"{body.rstrip()}\n\n{quote_whole_post(reply_to)}".lstrip("\n")
    return {"body": body} if body else {}


def _thread_context(
    request: HttpRequest,
    thread,
    *,
    form,
    reply_to: Post | None,
    reply_to_error: str = "",
    upload_error: str = "",
    preview_html: str = "",
    draft: Draft | None = None,
) -> dict:
    """What thread.html shows `request.user`. The posts come as HTML shared by every
    reader shown the same posts with the same capabilities (`_posts_html`); the rest
    (the header's tools, the reply form) is the reader's own."""
    user = request.user
    sort = request.GET.get("sort", "tree")
    if sort in selectors.RANKED_ORDERS:
        return _ranked_thread_context(request, thread, sort=sort)
    after = selectors.reading_place(request.GET.get("after"))
    rows = selectors.thread_posts_page(
        user=user,
        thread=thread,
        after_path=after,
        limit=selectors.POSTS_PAGE_SIZE + 1,
        max_depth=selectors.BRANCH_DEPTH,
    )
    posts, has_more = page_keeping_branches(rows, limit=selectors.POSTS_PAGE_SIZE, top_depth=1)
    thread_caps = permissions.thread_capabilities(user, thread)
    context = {
        "thread": thread,
        "posts": posts,
        "after": after,
        "thread_caps": thread_caps,
        "reply_form": form,
        "reply_to": reply_to,
        "reply_to_error": reply_to_error,
        "upload_error": upload_error,
        "preview_html": preview_html,
        "draft": draft,
        "sort": "tree",
        "sorts": THREAD_SORTS,
    }
    shared = _posts_html(
        thread,
        posts,
        view=selectors.content_view(user=user, thread=thread),
        after=after,
        has_more=has_more,
        review_items=moderation_selectors.pending_review_items(posts)
        if thread_caps.moderate
        else {},
    )
    context["posts_html"] = slots.fill(
        shared,
        request=request,
        reply_form=_reply_form_place(request, posts, reply_to, after, context),
        reacted=_reactions_given(user, posts),
        muted=_muted_authors(user, posts),
        unread_before=read_page(request, thread, posts, reader=thread.reader),
    )
    context["live"] = live_updates(request, thread)
    _add_watch_form(context, thread, thread_caps)
    return context


# How the thread page may show the replies: as the tree of the discussion (the default),
# or as a flat list newest first or most reacted to first (selectors.RANKED_ORDERS).
THREAD_SORTS = {"tree": "Discussion", "newest": "Newest", "reactions": "Most reactions"}


def _ranked_thread_context(request: HttpRequest, thread, *, sort: str) -> dict:
    """The thread page showing its replies as a flat list in `sort` order, a page at a
    time (?page=), each with a link to it in the discussion. Replies are written in the
    discussion, so this page has no reply form."""
    user = request.user
    number = ListPage.page_number(request.GET.get("page"))
    size = selectors.POSTS_PAGE_SIZE
    rows = selectors.thread_replies_ranked(
        user=user, thread=thread, order=sort, offset=(number - 1) * size, limit=size + 1
    )
    posts, has_more = rows[:size], len(rows) > size
    thread_caps = permissions.thread_capabilities(user, thread)
    shown = tuple((item.post.pk, item.caps) for item in posts)
    name = (
        f"web:thread-ranked:{thread.pk}:{thread.version}:{sort}:{number}:"
        f"{fragments.digest(shown, has_more)}"
    )
    shared = fragments.remembered(
        name,
        lambda: render_to_string(
            "web/_ranked_posts.html",
            {
                "thread": thread,
                "thread_url": thread.get_absolute_url(),
                "posts": posts,
                "sort": sort,
                "number": number,
                "has_more": has_more,
                "csrf_token": slots.CSRF_TOKEN,
            },
        ),
    )
    context = {
        "thread": thread,
        "thread_caps": thread_caps,
        "sort": sort,
        "sorts": THREAD_SORTS,
        "posts_html": slots.fill(
            shared,
            request=request,
            reacted=_reactions_given(user, posts),
            muted=_muted_authors(user, posts),
        ),
        "live": live_updates(request, thread),
    }
    read_page(request, thread, posts, reader=thread.reader)
    _add_watch_form(context, thread, thread_caps)
    return context


def _reactions_given(user, posts) -> frozenset[tuple[int, str]]:
    """The reactions `user` gave among the page's posts they may react to: one query."""
    ids = [item.post.pk for item in posts if item.caps.react]
    return selectors.reactions_given(user=user, post_ids=ids)


def _muted_authors(user, posts) -> dict[int, str]:
    """The authors of the page's posts whom `user` muted, whose posts are folded for
    them: one query for a member, none for a visitor. Not part of the shared HTML's
    name, so members who mute nobody here share it with everyone else."""
    muted_ids = notification_selectors.muted_among(
        user=user, author_ids={item.post.author_id for item in posts}
    )
    return slots.muted_authors(posts, muted_ids)


def _add_watch_form(context: dict, thread, thread_caps) -> None:
    """The form setting the reader's watch level, at their level (read with the thread)."""
    if thread_caps.watch:
        context["watch_form"] = forms.WatchForm(initial={"level": thread.reader.watch_level})


def _posts_html(thread, posts, *, view: str, after: str, has_more: bool, review_items) -> str:
    """The page's posts rendered, shared by every reader with the same `view` of the
    thread (see selectors.content_view) and the same capabilities on these posts: built
    once per version of the thread for each such group, not once per reader."""
    shown = tuple((item.post.pk, item.can_read, item.caps) for item in posts)
    name = (
        f"web:thread-posts:{thread.pk}:{thread.version}:{view}:{after}:"
        f"{fragments.digest(shown, has_more, sorted(review_items.items()))}"
    )

    def build() -> str:
        opening = posts[0] if posts and posts[0].post.is_opening_post else None
        return render_to_string(
            "web/_thread_posts.html",
            {
                "thread": thread,
                "thread_url": thread.get_absolute_url(),
                "opening": opening,
                "toc": table_of_contents(opening.post.headings)
                if opening and opening.can_read
                else [],
                "replies": reply_tree(posts[1:] if opening else posts, top_depth=1),
                "next_after": posts[-1].post.path if has_more else "",
                "after": after,
                "review_items": review_items,
                "csrf_token": slots.CSRF_TOKEN,
            },
        )

    return fragments.remembered(name, build)


def _reply_form_place(request, posts, reply_to: Post | None, after: str, context: dict):
    """Where the reader's reply form goes on the page, and its HTML: under the post
    replied to when it is on the page, else at the end; with no post named, under the
    opening post on the first page and at the end of any later one."""
    if reply_to is not None:
        on_page = any(item.post.pk == reply_to.pk for item in posts)
        place = str(reply_to.pk) if on_page else "end"
    elif after:
        place = "end"
    elif posts and posts[0].post.is_opening_post:
        place = str(posts[0].post.pk)
    else:
        return None
    form_context = {
        **context,
        "request": request,
        "user": request.user,
        # Asked for only if the form is shown: asking sets the CSRF cookie, and a page
        # that sets a cookie is not cached for anonymous readers.
        "csrf_token": lazy(get_token, str)(request),
    }
    return place, render_to_string("web/_reply_form.html", form_context)


@require_safe
def post_permalink(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(Post.objects.select_related("thread"), pk=pk)
    if not permissions.can_read_post(request.user, post):
        raise Http404("No such post.")
    return redirect(post_location(post))


@require_safe
@private_page
def post_branch(request: HttpRequest, pk: int) -> HttpResponse:
    """A post and the replies below it, for branches deeper than the thread page goes."""
    root = get_object_or_404(
        Post.objects.select_related("thread__category", "thread__author", "author"), pk=pk
    )
    user = request.user
    root_view = selectors.post_as_seen_by(user=user, post=root)
    if root_view is None or not permissions.can_view_thread(user, root.thread):
        raise Http404("No such post.")
    after = selectors.reading_place(request.GET.get("after"))
    rows = selectors.branch_posts_page(
        user=user, post=root, after_path=after, limit=selectors.POSTS_PAGE_SIZE + 1
    )
    posts, has_more = page_keeping_branches(
        rows, limit=selectors.POSTS_PAGE_SIZE, top_depth=root.depth + 1
    )
    thread_caps = permissions.thread_capabilities(user, root.thread)
    context = {
        "thread": root.thread,
        "root": root_view,
        "replies": reply_tree(posts, top_depth=root.depth + 1),
        "review_items": moderation_selectors.pending_review_items([root_view, *posts])
        if thread_caps.moderate
        else {},
        "next_after": posts[-1].post.path if has_more else "",
        "after": after,
        "thread_caps": thread_caps,
    }
    response = render(request, "web/branch.html", context)
    # Replies on a branch page are answered on the thread page: no reply form slot here.
    response.content = slots.fill(
        response.content.decode(),
        request=request,
        reacted=_reactions_given(user, [root_view, *posts]),
        muted=_muted_authors(user, [root_view, *posts]),
        unread_before=read_page(request, root.thread, [root_view, *posts]),
    )
    return response


PROFILE_POSTS_PER_PAGE = 20
PROFILE_TABS = {ActivityKind.THREADS: "Threads", ActivityKind.REPLIES: "Replies"}


@require_safe
def profile(request: HttpRequest, username: str) -> HttpResponse:
    """A member's profile: who they are, what anyone may count of their activity, and
    their threads or replies (`?show=`), a page at a time, as the viewer may read them."""
    try:
        member = activity.member_get(username=username)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    viewer = request.user
    shown = request.GET.get("show")
    if shown not in PROFILE_TABS:
        shown = ActivityKind.THREADS
    page = ListPage(
        activity.member_posts(viewer=viewer, member=member, kind=shown),
        request.GET.get("page"),
        per_page=PROFILE_POSTS_PER_PAGE,
    )
    page.object_list = activity.activity_entries(page.object_list)
    if shown == ActivityKind.THREADS:
        with_read_states(viewer, [entry.thread for entry in page.object_list])
    totals = activity.member_activity_totals(member=member)
    context = {
        "member": member,
        "totals": totals,
        "reactions_received": [
            (label, totals.reactions_received[kind]) for kind, label in ReactionKind.choices
        ],
        "shows_trust_level": permissions.can_see_trust_level(viewer, member),
        "tabs": PROFILE_TABS,
        "shown": shown,
        "shown_label": PROFILE_TABS[shown],
        "page": page,
    }
    if viewer.is_authenticated and viewer.pk != member.pk:
        context["can_mute"] = True
        context["is_muted"] = bool(
            notification_selectors.muted_among(user=viewer, author_ids={member.pk})
        )
    return render(request, "web/profile.html", context)


@require_safe
def post_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every revision of a post, newest first, each against the one before it paragraph
    by paragraph: who changed what, when, and why. As public as the post itself (the
    permission authority decides)."""
    post = get_object_or_404(Post.objects.select_related("thread", "author"), pk=pk)
    try:
        permissions.check_can_view_post_history(request.user, post)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    revisions = list(selectors.post_revisions(post=post))
    withheld_below = selectors.revisions_withheld_below(user=request.user, post=post)
    entries = []
    for older, revision in zip([None, *revisions[:-1]], revisions, strict=True):
        entry = {"revision": revision, "diff": [], "title_change": None}
        # What a moderator's edit replaced is for the author and moderators only: the
        # revisions before it, and the change the edit made, show who, when and why.
        entry["withheld"] = revision.number < withheld_below
        entry["replaced_withheld"] = revision.number == withheld_below
        if older is not None and revision.number > withheld_below:
            entry["diff"] = paragraph_diff(older.body_html, revision.body_html)
            if older.title != revision.title:
                entry["title_change"] = (older.title, revision.title)
        entries.append(entry)
    entries.reverse()
    return render(request, "web/post_history.html", {"post": post, "entries": entries})
