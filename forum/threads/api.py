"""Public API for categories, threads, posts, revisions and search. Thin views: input
serializer, one service or selector call, output serializer; refusals come from
ForumError."""

import datetime
import difflib
import hashlib
import re

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import generics, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forum.core import fragments, pagecache, permissions
from forum.core.api import (
    PageLinksSerializer,
    StrictSerializer,
    TextField,
    WholeNumberField,
    mark_deprecated_use,
)
from forum.core.errors import NotFound, ValidationFailed
from forum.core.pagination import (
    Position,
    StableCursorPagination,
    bad_cursor,
    decode_cursor,
    encode_cursor,
    keyset_links,
    page_link,
    page_response_data,
    requested_page_size,
)
from forum.core.schema import page_parameters
from forum.threads import hooks, search, selectors, services
from forum.threads.models import Category, Post, PostRevision, PostState, Thread
from forum.threads.unread import selectors as unread_selectors


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ("id", "name", "slug", "description", "moderation_mode")


class AuthorSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField(source="shown_name")


class ThreadSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author = AuthorSerializer(read_only=True)

    class Meta:
        model = Thread
        fields = (
            "id",
            "title",
            "slug",
            "category",
            "author",
            "state",
            "is_pinned",
            "is_locked",
            "reply_count",
            "last_activity_at",
            "created_at",
        )


class ThreadListItemSerializer(ThreadSerializer):
    """A thread in a list, with what is new in it to the caller (`read_states` in the
    context, from forum.threads.unread.selectors)."""

    unread = serializers.SerializerMethodField(
        help_text="How many posts the caller may read came after `last_read_post_id`, "
        "their own aside; `null` for a thread they never marked read (all of it is new) "
        "and for anonymous callers."
    )
    last_read_post_id = serializers.SerializerMethodField(
        help_text="The post the caller has read the thread up to; `null` if they never "
        "marked it read (see POST /threads/{id}/read/)."
    )

    class Meta(ThreadSerializer.Meta):
        fields = (*ThreadSerializer.Meta.fields, "unread", "last_read_post_id")

    def _state(self, thread):
        return self.context.get("read_states", {}).get(thread.pk)

    def get_unread(self, thread) -> int | None:
        state = self._state(thread)
        return None if state is None else state.unread

    def get_last_read_post_id(self, thread) -> int | None:
        state = self._state(thread)
        return None if state is None else state.last_read_post_id


class ReactionCountsSerializer(serializers.Serializer):
    """A post's reactions counted by kind: every kind, 0 for none."""

    insightful = serializers.IntegerField(min_value=0, default=0)
    agree = serializers.IntegerField(min_value=0, default=0)
    disagree = serializers.IntegerField(min_value=0, default=0)
    sources = serializers.IntegerField(
        min_value=0, default=0, help_text="“Sources?”: readers asking for the sources."
    )


_AUTHOR_MUTED_HELP = (
    "Whether the caller muted the author: the content is all there, for the client to "
    "show folded (as the web pages do)."
)


class PostSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="post.pk")
    thread_id = serializers.IntegerField(source="post.thread_id")
    parent_id = serializers.IntegerField(source="post.parent_id", allow_null=True)
    depth = serializers.IntegerField(source="post.depth")
    author = AuthorSerializer(source="post.author")
    state = serializers.ChoiceField(source="post.state", choices=PostState.choices)
    state_reason = serializers.SerializerMethodField(
        help_text="Why the post is pending, hidden or removed; shown to its author and moderators."
    )
    body_html = serializers.CharField()
    placeholder = serializers.CharField(
        help_text="Why the body is empty, when the caller may not read this post."
    )
    revision_count = serializers.IntegerField(source="post.revision_count")
    created_at = serializers.DateTimeField(source="post.created_at")
    edited_at = serializers.DateTimeField(source="post.edited_at", allow_null=True)
    reactions = ReactionCountsSerializer(
        source="reaction_counts",
        help_text="How many members gave each reaction (none for a placeholder).",
    )
    author_muted = serializers.SerializerMethodField(help_text=_AUTHOR_MUTED_HELP)

    def get_state_reason(self, view) -> str:
        return view.post.state_reason if view.can_read else ""

    def get_author_muted(self, view) -> bool:
        return view.post.author_id in self.context.get("muted_author_ids", ())


class PostDetailSerializer(PostSerializer):
    body = serializers.SerializerMethodField(
        help_text="The post's Markdown, as `body` is sent to write or edit it: for callers "
        "who may edit the post (its author, while the thread is open, and its moderators); "
        "null for others, who read `body_html`."
    )

    my_reactions = serializers.SerializerMethodField(
        help_text="The kinds of reaction the caller gave this post."
    )

    def get_body(self, view) -> str | None:
        return view.post.body_source if self.context.get("can_edit") else None

    def get_my_reactions(self, view) -> list[str]:
        return self.context.get("my_reactions", [])


class PostPageSerializer(PageLinksSerializer):
    results = PostSerializer(many=True)


_TITLE_LENGTH = (services.TITLE_MIN_LENGTH, settings.PARLEY["TITLE_MAX_LENGTH"])
_BODY_LENGTH = (1, settings.PARLEY["BODY_MAX_LENGTH"])


class ThreadCreateSerializer(StrictSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all())
    title = TextField(trim_whitespace=False, documented_length=_TITLE_LENGTH)
    body = TextField(trim_whitespace=False, documented_length=_BODY_LENGTH)


# The day `parent` gave way to `parent_id` in a reply (see mark_deprecated_use).
PARENT_DEPRECATED_ON = datetime.date(2026, 12, 5)


@extend_schema_serializer(deprecate_fields=["parent"])
class ReplyCreateSerializer(StrictSerializer):
    body = TextField(trim_whitespace=False, documented_length=_BODY_LENGTH)
    parent_id = WholeNumberField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="The post replied to, in this thread; the opening post when absent.",
    )
    parent = WholeNumberField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="Deprecated: the same as `parent_id`, which replies name it in responses.",
    )

    def validate(self, attrs):
        if "parent" in attrs and "parent_id" in attrs and attrs["parent"] != attrs["parent_id"]:
            raise serializers.ValidationError(
                {"parent": ["Send `parent_id` only (`parent` is its deprecated name)."]}
            )
        return attrs


class PostEditSerializer(StrictSerializer):
    body = TextField(trim_whitespace=False, documented_length=_BODY_LENGTH)
    title = TextField(
        trim_whitespace=False,
        required=False,
        documented_length=_TITLE_LENGTH,
        help_text="A new title; opening posts only.",
    )
    reason = TextField(
        trim_whitespace=False,
        required=False,
        allow_blank=True,
        default="",
        documented_length=(0, 300),
        help_text="Why the post was edited; shown in its history.",
    )


THREAD_ORDERINGS = {
    "latest": ("-last_activity_at", "-pk"),
    "newest": ("-created_at", "-pk"),
    "replies": ("-reply_count", "-pk"),
}


class ContentFilterQuerySerializer(serializers.Serializer):
    """The filters lists of threads and searches share, with the same names."""

    category = serializers.CharField(
        required=False, max_length=80, help_text="Only in the category with this slug."
    )
    author = serializers.CharField(
        required=False,
        max_length=150,
        help_text="Only what the member with this username wrote (a thread: started).",
    )
    created_after = serializers.DateTimeField(
        required=False, help_text="Only what was written at or after this time (ISO 8601)."
    )
    created_before = serializers.DateTimeField(
        required=False, help_text="Only what was written before this time (ISO 8601)."
    )

    def validate(self, attrs):
        after, before = attrs.get("created_after"), attrs.get("created_before")
        if after and before and after >= before:
            raise serializers.ValidationError(
                {"created_before": ["Must be later than created_after."]}
            )
        return attrs


class ThreadListQuerySerializer(ContentFilterQuerySerializer):
    state = serializers.ChoiceField(
        choices=PostState.choices,
        required=False,
        help_text="Only threads in this state. Others' pending, hidden and removed threads "
        "are shown to moderators only; anyone else finds only their own with it.",
    )
    order = serializers.ChoiceField(
        choices=list(THREAD_ORDERINGS),
        required=False,
        default="latest",
        help_text="`latest` activity first (default), `newest` threads first, or most "
        "`replies` first.",
    )


class ThreadPagination(StableCursorPagination):
    """Thread lists in the ordering the request asked for (see ThreadListView)."""

    ordering = THREAD_ORDERINGS["latest"]

    def get_ordering(self, request, queryset, view):
        return THREAD_ORDERINGS[getattr(view, "thread_order", "latest")]


def _query(serializer_class, request: Request) -> dict:
    incoming = serializer_class(data=request.query_params)
    incoming.is_valid(raise_exception=True)
    return incoming.validated_data


class CategoryPagination(StableCursorPagination):
    ordering = ("position", "pk")
    page_size = 100


class CategoryListView(generics.ListAPIView):
    """List the categories."""

    serializer_class = CategorySerializer
    pagination_class = CategoryPagination

    def get_queryset(self):
        return selectors.category_list()


class ThreadListCreateView(pagecache.CachedForAnonymousMixin, generics.ListAPIView):
    serializer_class = ThreadListItemSerializer
    pagination_class = ThreadPagination
    page_cache_kind = "api:threads"

    def page_cache_depends_on(self) -> str:
        return pagecache.LISTS

    def get_serializer(self, *args, **kwargs):
        """A page of threads with what is new in each to the caller: one query."""
        if args and kwargs.get("many"):
            threads = list(args[0])
            states = unread_selectors.read_states(user=self.request.user, threads=threads)
            kwargs["context"] = {**self.get_serializer_context(), "read_states": states}
            args = (threads, *args[1:])
        return super().get_serializer(*args, **kwargs)

    def get_queryset(self):
        query = _query(ThreadListQuerySerializer, self.request)
        self.thread_order = query.pop("order")
        return selectors.thread_list(
            user=self.request.user,
            category_slug=query.get("category"),
            author_username=query.get("author"),
            created_after=query.get("created_after"),
            created_before=query.get("created_before"),
            state=query.get("state"),
        )

    @extend_schema(
        summary="List threads",
        parameters=[ThreadListQuerySerializer],
    )
    def get(self, request: Request, *args, **kwargs) -> HttpResponse:
        listed = super().get

        def build():
            return listed(request, *args, **kwargs).data

        cached = self.cached_page.lookup()
        if cached is not None:
            return cached
        return self.cached_page.store(lambda: _json(build()))

    @extend_schema(
        summary="Start a thread",
        request=ThreadCreateSerializer,
        responses={201: ThreadSerializer},
    )
    def post(self, request: Request) -> Response:
        incoming = ThreadCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        thread = services.thread_create(author=request.user, **incoming.validated_data)
        return Response(ThreadSerializer(thread).data, status=201)


def _etag(request: Request, thread: Thread, *parts: str) -> str:
    """A validator for what `request.user` sees of `thread`: the thread's version (which
    rises with any change to it or its posts) and whose view it is, since members see
    their own pending posts and moderators what their categories hold."""
    viewer = permissions.viewer_key(request.user)
    # Parts come from the query string: hashed, so the header never carries their text.
    extra = hashlib.blake2b("\x00".join(parts).encode(), digest_size=6).hexdigest()
    return f'"{thread.pk}-{thread.version}-{viewer}-{extra}"'


def _json(data) -> HttpResponse:
    """A JSON response of `data`, or of `data` already rendered (bytes)."""
    body = data if isinstance(data, bytes) else JSONRenderer().render(data)
    return HttpResponse(body, content_type="application/json")


def _with_etag(request: Request, etag: str, build) -> HttpResponse:
    """A 304 while `etag` still matches; otherwise the JSON of the data `build` returns."""
    response = Response(status=304) if pagecache.etag_matches(request, etag) else _json(build())
    response["ETag"] = etag
    # Members' views differ, so shared caches must not hand one member's to another.
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Authorization, Cookie"
    return response


_ETAG_HEADER = OpenApiParameter(
    "If-None-Match",
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="An `ETag` from an earlier read; a 304 answers while nothing changed.",
)
_NOT_MODIFIED = OpenApiResponse(description="Not modified since the `ETag` sent.")


class ThreadDetailView(pagecache.CachedForAnonymousMixin, APIView):
    # Anonymous readers of an unchanged thread get the response stored for them (or a
    # 304 for its ETag) without a query; see forum.core.pagecache.
    page_cache_kind = "api:thread"

    def page_cache_depends_on(self, *, pk: int) -> str:
        return pagecache.thread_token(pk)

    @extend_schema(
        summary="Read a thread",
        parameters=[_ETAG_HEADER],
        responses={200: ThreadSerializer, 304: _NOT_MODIFIED},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        cached = self.cached_page.lookup()
        if cached is not None:
            return cached
        thread = selectors.thread_get(user=request.user, pk=pk)
        return self.cached_page.store(
            lambda: _with_etag(
                request, _etag(request, thread), lambda: ThreadSerializer(thread).data
            )
        )


_PATH_CURSOR = re.compile(f"[0-9a-z]{{1,{Post.SEGMENT_WIDTH * Post.MAX_PATH_DEPTH}}}")
POSTS_MAX_PAGE_SIZE = 100
# A thread's posts page in reading order: by their path in the reply tree, unique in it.
_READING_ORDER = "path"


def _reading_position(request: Request) -> Position | None:
    decoded = decode_cursor(request, _READING_ORDER)
    if decoded is None:
        return None
    path, key, backwards = decoded
    if not isinstance(path, str) or not _PATH_CURSOR.fullmatch(path):
        raise bad_cursor()
    if isinstance(key, bool) or not isinstance(key, int):
        raise bad_cursor()
    return Position(path, key, backwards)


POST_ORDERS = ("reading", *selectors.RANKED_ORDERS)


class ThreadPostsQuerySerializer(serializers.Serializer):
    order = serializers.ChoiceField(
        choices=POST_ORDERS,
        required=False,
        default="reading",
        help_text="`reading` order (default: each post before its replies, placeholders "
        "kept), or the replies the caller may read as a flat list, `newest` first or most "
        "`reactions` first. Each order has cursors of its own.",
    )


def _ranked_position(request: Request, order: str) -> Position | None:
    decoded = decode_cursor(request, order)
    if decoded is None:
        return None
    value, key, backwards = decoded
    for number in (value, key):
        if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number < 2**31:
            raise bad_cursor()
    return Position(value, key, backwards)


def _posts_page_data(
    request: Request,
    rows: list,
    *,
    size: int,
    position: Position | None,
    ordering: str,
    locate,
    muted_author_ids: frozenset[int],
) -> dict:
    """A page of posts from `rows` (read from `position`, one more than `size` to know
    whether more follow), with its links, as every list answers; the posts of
    `muted_author_ids` flagged `author_muted`."""
    more = len(rows) > size
    page = rows[-size:] if position is not None and position.backwards else rows[:size]
    next_link, previous_link = keyset_links(
        request, ordering=ordering, page=page, more=more, position=position, locate=locate
    )
    return page_response_data(
        next_link=next_link,
        previous_link=previous_link,
        results=PostSerializer(
            page, many=True, context={"muted_author_ids": muted_author_ids}
        ).data,
    )


class ThreadPostsView(pagecache.CachedForAnonymousMixin, APIView):
    page_cache_kind = "api:posts"

    def page_cache_depends_on(self, *, pk: int) -> str:
        return pagecache.thread_token(pk)

    @extend_schema(
        summary="Read a thread's posts in reading order, or its replies by time or reactions",
        parameters=[
            ThreadPostsQuerySerializer,
            *page_parameters(default=selectors.POSTS_PAGE_SIZE, maximum=POSTS_MAX_PAGE_SIZE),
            _ETAG_HEADER,
        ],
        responses={200: PostPageSerializer, 304: _NOT_MODIFIED},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        cached = self.cached_page.lookup()
        if cached is not None:
            return cached
        thread = selectors.thread_get(user=request.user, pk=pk)
        order = _query(ThreadPostsQuerySerializer, request)["order"]
        size = requested_page_size(
            request, default=selectors.POSTS_PAGE_SIZE, maximum=POSTS_MAX_PAGE_SIZE
        )
        if order == "reading":
            position = _reading_position(request)
            backwards = position is not None and position.backwards
            ordering = _READING_ORDER

            def read() -> list:
                return selectors.thread_posts_page(
                    user=request.user,
                    thread=thread,
                    after_path="" if position is None or backwards else position.value,
                    before_path=position.value if backwards else None,
                    limit=size + 1,
                )

            def locate(view) -> tuple:
                return view.post.path, view.post.pk
        else:
            position = _ranked_position(request, order)
            ordering = order
            value, key = selectors.RANKED_ORDERS[order]

            def read() -> list:
                return selectors.thread_replies_ranked(
                    user=request.user, thread=thread, order=order, position=position, limit=size + 1
                )

            def locate(view) -> tuple:
                return getattr(view.post, value), getattr(view.post, key)

        # The members the reader muted among the thread's authors: for most readers
        # none, so they keep sharing one page.
        muted = hooks.muted_authors(
            user=request.user, author_ids=selectors.thread_author_ids(thread=thread)
        )

        def build() -> bytes:
            data = _posts_page_data(
                request,
                read(),
                size=size,
                position=position,
                ordering=ordering,
                locate=locate,
                muted_author_ids=muted,
            )
            return JSONRenderer().render(data)

        # The page holds nothing per reader but which posts they are shown, which of
        # their authors the reader muted (and links to its neighbours, made of the
        # address asked for): everyone with the same view of this version of the thread
        # and the same mutes in it, asking the same address, shares its JSON.
        view = selectors.content_view(user=request.user, thread=thread)
        asked = request.build_absolute_uri()
        shared_by = fragments.digest(asked, sorted(muted))
        name = f"api:thread-posts:{thread.pk}:{thread.version}:{view}:{shared_by}"
        return self.cached_page.store(
            lambda: _with_etag(
                request,
                _etag(request, thread, "posts", asked, *map(str, sorted(muted))),
                lambda: fragments.remembered(name, build),
            )
        )

    @extend_schema(
        summary="Reply in a thread",
        request=ReplyCreateSerializer,
        responses={201: PostDetailSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        thread = selectors.thread_get(user=request.user, pk=pk)
        # Before the parent is looked up, so that a refusal says nothing about it.
        permissions.check_can_reply(request.user, thread)
        incoming = ReplyCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        named = incoming.validated_data
        parent_id = named.get("parent_id", named.get("parent"))
        try:
            parent = selectors.post_for_reply(thread=thread, pk=parent_id) if parent_id else None
            post = services.post_create(
                author=request.user, thread=thread, parent=parent, body=named["body"]
            )
        except ValidationFailed as refusal:
            # The services name the post replied to `parent`; the caller named it as sent.
            asked_as = "parent" if "parent" in named else "parent_id"
            raise refusal.with_field_named("parent", asked_as) from None
        response = Response(_post_view(request.user, post), status=201)
        if "parent" in named:
            mark_deprecated_use(response, since=PARENT_DEPRECATED_ON)
        return response


def _post_view(user, post: Post) -> dict:
    """A post as its detail shows it to `user`: its Markdown source too if they may edit
    it, and the reactions they gave it."""
    view = selectors.PostView(post=post, can_read=True, placeholder="")
    context = {
        "can_edit": permissions.can_edit_post(user, post),
        "my_reactions": selectors.my_reactions(user=user, post=post),
        "muted_author_ids": hooks.muted_authors(user=user, author_ids=[post.author_id]),
    }
    return PostDetailSerializer(view, context=context).data


class PostDetailView(APIView):
    @extend_schema(summary="Read a post", responses=PostDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(_post_view(request.user, selectors.post_get(user=request.user, pk=pk)))

    @extend_schema(
        summary="Edit a post (stores a new revision)",
        request=PostEditSerializer,
        responses=PostDetailSerializer,
    )
    def patch(self, request: Request, pk: int) -> Response:
        post = selectors.post_get(user=request.user, pk=pk)
        incoming = PostEditSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.post_edit(editor=request.user, post=post, **incoming.validated_data)
        return Response(_post_view(request.user, post))

    @extend_schema(summary="Delete a post", request=None, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        post = selectors.post_get(user=request.user, pk=pk)
        services.post_delete(actor=request.user, post=post)
        return Response(status=204)


# The day a revision's Markdown took the name `body` it has in every request and post.
BODY_SOURCE_DEPRECATED_ON = datetime.date(2026, 12, 5)


@extend_schema_serializer(deprecate_fields=["body_source"])
class RevisionSerializer(serializers.ModelSerializer):
    editor = AuthorSerializer(read_only=True)
    body = serializers.CharField(source="body_source", help_text="The revision's Markdown.")
    body_source = serializers.CharField(help_text="Deprecated: the same as `body`.")
    withheld = serializers.SerializerMethodField(
        help_text="True when a moderator's later edit replaced this revision's text and the "
        "caller is neither the post's author nor its moderator: its title and text are then "
        "empty; who wrote it, when and why still show."
    )

    class Meta:
        model = PostRevision
        fields = (
            "number",
            "editor",
            "title",
            "reason",
            "body",
            "body_html",
            "body_source",
            "withheld",
            "created_at",
        )

    def get_withheld(self, revision) -> bool:
        return revision.number < self.context.get("withheld_below", 0)

    def to_representation(self, revision):
        data = super().to_representation(revision)
        if data["withheld"]:
            data.update(title="", body="", body_html="", body_source="")
        return data


class RevisionPagination(StableCursorPagination):
    ordering = ("number", "pk")
    page_size = 20


class PostRevisionListView(generics.ListAPIView):
    serializer_class = RevisionSerializer
    pagination_class = RevisionPagination

    def get_queryset(self):
        post = selectors.post_get(user=self.request.user, pk=self.kwargs["pk"])
        permissions.check_can_view_post_history(self.request.user, post)
        self.withheld_below = selectors.revisions_withheld_below(user=self.request.user, post=post)
        return selectors.post_revisions(post=post)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "withheld_below": self.withheld_below}

    @extend_schema(summary="List a post's revisions, oldest first")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class DiffQuerySerializer(serializers.Serializer):
    old = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="The earlier revision's number; the one before `new` when absent.",
    )
    new = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="The later revision's number; the current one when absent.",
    )


class DiffChangeSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=["equal", "insert", "delete", "replace"])
    old_start = serializers.IntegerField(help_text="First line in `old` (1-based).")
    old_lines = serializers.ListField(child=serializers.CharField(allow_blank=True))
    new_start = serializers.IntegerField(help_text="First line in `new` (1-based).")
    new_lines = serializers.ListField(child=serializers.CharField(allow_blank=True))


class DiffSerializer(serializers.Serializer):
    post_id = serializers.IntegerField()
    old = serializers.IntegerField(help_text="The earlier revision's number.")
    new = serializers.IntegerField(help_text="The later revision's number.")
    old_title = serializers.CharField(allow_blank=True)
    new_title = serializers.CharField(allow_blank=True)
    unified = serializers.CharField(
        allow_blank=True, help_text="A unified diff of the Markdown sources."
    )
    changes = DiffChangeSerializer(many=True, help_text="The same diff as line operations.")


def revision_diff(older: PostRevision, newer: PostRevision) -> dict:
    """A unified and a structured line diff between two revisions' sources."""
    old_lines = older.body_source.split("\n")
    new_lines = newer.body_source.split("\n")
    unified = "\n".join(
        difflib.unified_diff(
            old_lines,
            new_lines,
            fromfile=f"revision {older.number}",
            tofile=f"revision {newer.number}",
            lineterm="",
        )
    )
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    changes = [
        {
            "op": op,
            "old_start": i1 + 1,
            "old_lines": old_lines[i1:i2],
            "new_start": j1 + 1,
            "new_lines": new_lines[j1:j2],
        }
        for op, i1, i2, j1, j2 in matcher.get_opcodes()
    ]
    return {
        "post_id": older.post_id,
        "old": older.number,
        "new": newer.number,
        "old_title": older.title,
        "new_title": newer.title,
        "unified": unified,
        "changes": changes,
    }


class PostDiffView(APIView):
    @extend_schema(
        summary="Diff two revisions of a post",
        parameters=[DiffQuerySerializer],
        responses=DiffSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        post = selectors.post_get(user=request.user, pk=pk)
        permissions.check_can_view_post_history(request.user, post)
        query = _query(DiffQuerySerializer, request)
        new = query.get("new", post.revision_count)
        old = query.get("old", max(new - 1, 1))
        if old > new:
            raise ValidationFailed.for_field("old", "Must not be later than `new`.")
        if old < selectors.revisions_withheld_below(user=request.user, post=post):
            # Text a moderator's edit replaced, which this caller may not read.
            raise NotFound(f"Post {post.pk} has no revision {old} you may read.")
        older = selectors.post_revision_get(post=post, number=old)
        newer = older if new == old else selectors.post_revision_get(post=post, number=new)
        return Response(revision_diff(older, newer))


class SearchQuerySerializer(ContentFilterQuerySerializer):
    q = serializers.CharField(
        max_length=200, help_text='Words to find; `"a phrase"`, `or` and `-word` work.'
    )
    type = serializers.ChoiceField(
        choices=[search.THREADS, search.POSTS],
        default=search.POSTS,
        help_text="`threads`: threads only, each as its opening post (found by its title or "
        "text); `posts`: every post.",
    )

    def filters(self) -> search.SearchFilters:
        data = self.validated_data
        return search.SearchFilters(
            category=data.get("category", ""),
            author=data.get("author", ""),
            created_after=data.get("created_after"),
            created_before=data.get("created_before"),
            type=data["type"],
        )


class SearchHitSerializer(serializers.Serializer):
    post_id = serializers.IntegerField()
    thread_id = serializers.IntegerField()
    thread_title = serializers.CharField()
    title_html = serializers.CharField(
        help_text="The thread's title, escaped, with matching words in `<mark>`."
    )
    is_opening_post = serializers.BooleanField()
    author = AuthorSerializer()
    created_at = serializers.DateTimeField()
    rank = serializers.FloatField()
    snippet_html = serializers.CharField(
        help_text="Escaped text around the matches, each match in `<mark>`."
    )
    author_muted = serializers.SerializerMethodField(help_text=_AUTHOR_MUTED_HELP)

    def get_author_muted(self, hit) -> bool:
        return hit["author"].pk in self.context.get("muted_author_ids", ())


class SearchPageSerializer(PageLinksSerializer):
    results = SearchHitSerializer(many=True)


class SearchView(APIView):
    @extend_schema(
        summary="Search threads and posts",
        description="Full-text search over thread titles and post bodies that the caller may "
        "read, best matches first. PostgreSQL ranks with ts_rank; SQLite finds substrings. "
        f"Results page like every list, up to the first {search.MAX_RESULTS}.",
        parameters=[
            SearchQuerySerializer,
            *page_parameters(default=search.PAGE_SIZE, maximum=search.MAX_PAGE_SIZE),
        ],
        responses=SearchPageSerializer,
    )
    def get(self, request: Request) -> Response:
        incoming = SearchQuerySerializer(data=request.query_params)
        incoming.is_valid(raise_exception=True)
        text, filters = incoming.validated_data["q"], incoming.filters()
        size = requested_page_size(request, default=search.PAGE_SIZE, maximum=search.MAX_PAGE_SIZE)
        ranking = filters.ranking(text)
        offset = search.search_offset(request, ranking)
        hits, more = search.search_posts(
            user=request.user, text=text, filters=filters, offset=offset, limit=size
        )

        def link(start: int) -> str:
            return page_link(request, encode_cursor(request, ranking, start, 0))

        return Response(
            page_response_data(
                next_link=link(offset + size) if more else None,
                previous_link=link(max(offset - size, 0)) if offset else None,
                results=SearchHitSerializer(
                    hits,
                    many=True,
                    context={
                        "muted_author_ids": hooks.muted_authors(
                            user=request.user, author_ids={hit["author"].pk for hit in hits}
                        )
                    },
                ).data,
            )
        )
