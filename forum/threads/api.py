"""Public API for categories, threads and posts. Thin views: input serializer, one
service or selector call, output serializer; refusals come from ForumError."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

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


class ThreadDetailView(APIView):
    @extend_schema(responses=ThreadSerializer)
    def get(self, request: Request, pk: int) -> Response:
        thread = selectors.thread_get(user=request.user, pk=pk)
        return Response(ThreadSerializer(thread).data)


class ThreadPostsView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("after", str, description="The `next_after` of a page.")],
        responses=PostSerializer(many=True),
    )
    def get(self, request: Request, pk: int) -> Response:
        thread = selectors.thread_get(user=request.user, pk=pk)
        page = selectors.thread_posts_page(
            user=request.user, thread=thread, after_path=request.query_params.get("after", "")
        )
        full = len(page) == selectors.POSTS_PAGE_SIZE
        return Response(
            {
                "results": PostSerializer(page, many=True).data,
                "next_after": page[-1].post.path if full else None,
            }
        )

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
