"""Public API for categories, threads and posts. Thin views: input serializer, one
service or selector call, output serializer; refusals come from ForumError."""

import hashlib

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forum.core import permissions
from forum.threads import selectors, services
from forum.threads.models import Category, Thread


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


class PostSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="post.pk")
    parent_id = serializers.IntegerField(source="post.parent_id", allow_null=True)
    depth = serializers.IntegerField(source="post.depth")
    author = AuthorSerializer(source="post.author")
    state = serializers.CharField(source="post.state")
    state_reason = serializers.SerializerMethodField(
        help_text="Why the post is pending, hidden or removed; shown to its author and moderators."
    )
    body_html = serializers.CharField()
    placeholder = serializers.CharField()
    created_at = serializers.DateTimeField(source="post.created_at")
    edited_at = serializers.DateTimeField(source="post.edited_at", allow_null=True)

    def get_state_reason(self, view) -> str:
        return view.post.state_reason if view.can_read else ""


class PostPageSerializer(serializers.Serializer):
    results = PostSerializer(many=True)
    next_after = serializers.CharField(
        allow_null=True, help_text="Pass as `after` for the next page; null on the last page."
    )


class ThreadCreateSerializer(serializers.Serializer):
    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all())
    title = serializers.CharField(trim_whitespace=False)
    body = serializers.CharField(trim_whitespace=False)


class ReplyCreateSerializer(serializers.Serializer):
    body = serializers.CharField(trim_whitespace=False)
    parent = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class LatestFirst(CursorPagination):
    ordering = ("-last_activity_at", "-pk")
    page_size = 30


class CategoryListView(generics.ListAPIView):
    serializer_class = CategorySerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.category_list()


class ThreadListCreateView(generics.ListAPIView):
    serializer_class = ThreadSerializer
    pagination_class = LatestFirst

    def get_queryset(self):
        return selectors.thread_list(user=self.request.user)

    @extend_schema(request=ThreadCreateSerializer, responses={201: ThreadSerializer})
    def post(self, request: Request) -> Response:
        incoming = ThreadCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        thread = services.thread_create(author=request.user, **incoming.validated_data)
        return Response(ThreadSerializer(thread).data, status=201)


def _etag(request: Request, thread: Thread, *parts: str) -> str:
    """A validator for what `request.user` sees of `thread`: the thread's version (which
    rises with any change to it or its posts) and whose view it is, since members see
    their own pending posts and moderators see everything."""
    viewer = "m" if permissions.is_moderator(request.user) else (request.user.pk or "a")
    # Parts come from the query string: hashed, so the header never carries their text.
    extra = hashlib.blake2b("\x00".join(parts).encode(), digest_size=6).hexdigest()
    return f'"{thread.pk}-{thread.version}-{viewer}-{extra}"'


def _not_modified(request: Request, etag: str) -> bool:
    sent = request.headers.get("If-None-Match", "")
    return etag in {tag.strip().removeprefix("W/") for tag in sent.split(",")} or sent == "*"


def _with_etag(request: Request, etag: str, build) -> Response:
    response = Response(status=304) if _not_modified(request, etag) else Response(build())
    response["ETag"] = etag
    # Members' views differ, so shared caches must not hand one member's to another.
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Authorization, Cookie"
    return response


class ThreadDetailView(APIView):
    @extend_schema(responses={200: ThreadSerializer, 304: None})
    def get(self, request: Request, pk: int) -> Response:
        thread = selectors.thread_get(user=request.user, pk=pk)
        return _with_etag(request, _etag(request, thread), lambda: ThreadSerializer(thread).data)


class ThreadPostsView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("after", str, description="The `next_after` of a page.")],
        responses={200: PostPageSerializer, 304: None},
    )
    def get(self, request: Request, pk: int) -> Response:
        thread = selectors.thread_get(user=request.user, pk=pk)
        after = request.query_params.get("after", "")

        def build() -> dict:
            page = selectors.thread_posts_page(user=request.user, thread=thread, after_path=after)
            full = len(page) == selectors.POSTS_PAGE_SIZE
            return {
                "results": PostSerializer(page, many=True).data,
                "next_after": page[-1].post.path if full else None,
            }

        return _with_etag(request, _etag(request, thread, "posts", after), build)

    @extend_schema(request=ReplyCreateSerializer, responses={201: PostSerializer})
    def post(self, request: Request, pk: int) -> Response:
        thread = selectors.thread_get(user=request.user, pk=pk)
        incoming = ReplyCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        parent_id = incoming.validated_data.get("parent")
        parent = selectors.post_for_reply(thread=thread, pk=parent_id) if parent_id else None
        post = services.post_create(
            author=request.user, thread=thread, parent=parent, body=incoming.validated_data["body"]
        )
        view = selectors.PostView(post=post, can_read=True, placeholder="")
        return Response(PostSerializer(view).data, status=201)
