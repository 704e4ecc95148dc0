"""Members' public profiles through the API, with their activity: what anyone may count
of it, and their threads and replies as the caller may read them. A deactivated account
has no profile (404), as on the web."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forum.accounts.models import User
from forum.core import permissions
from forum.core.pagination import cursor_pagination
from forum.threads import activity
from forum.threads.api import ReactionCountsSerializer
from forum.threads.rendering import text_excerpt


class ProfileSerializer(serializers.ModelSerializer):
    joined = serializers.DateTimeField(source="date_joined")
    role = serializers.ChoiceField(choices=User.Role.choices)
    post_count = serializers.IntegerField(
        source="totals.post_count",
        help_text="Posts anyone may read: visible, not deleted, in visible threads.",
    )
    thread_count = serializers.IntegerField(
        source="totals.thread_count", help_text="Threads started, counted as `post_count`."
    )
    reply_count = serializers.IntegerField(
        source="totals.reply_count", help_text="Replies written, counted as `post_count`."
    )
    reactions_received = ReactionCountsSerializer(
        source="totals.reactions_received",
        help_text="The reactions of each kind given to the posts `post_count` counts.",
    )
    trust_level = serializers.IntegerField(
        required=False, help_text="Only for moderators: the member's trust level."
    )

    class Meta:
        model = User
        fields = (
            "username",
            "display_name",
            "bio",
            "joined",
            "role",
            "post_count",
            "thread_count",
            "reply_count",
            "reactions_received",
            "trust_level",
        )

    def to_representation(self, member):
        data = super().to_representation(member)
        if not permissions.can_see_trust_level(self.context["viewer"], member):
            del data["trust_level"]
        return data


class ProfileView(APIView):
    """A member's public profile: never their e-mail, and counts of what anyone may read."""

    permission_classes = [AllowAny]

    @extend_schema(summary="A member's public profile", responses=ProfileSerializer)
    def get(self, request: Request, username: str) -> Response:
        member = activity.member_get(username=username)
        member.totals = activity.member_activity_totals(member=member)
        return Response(ProfileSerializer(member, context={"viewer": request.user}).data)


class MemberPostsQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=activity.ActivityKind.ALL,
        required=False,
        help_text="`threads` for the opening posts of the threads they started, "
        "`replies` for their replies; both when absent.",
    )


class ActivityThreadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    slug = serializers.CharField()


class MemberPostSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    thread = ActivityThreadSerializer()
    is_opening_post = serializers.BooleanField(help_text="Whether it opens its thread.")
    excerpt = serializers.SerializerMethodField(
        help_text="The opening words of the post's rendered text, as plain text."
    )
    state = serializers.CharField(
        help_text="`visible`, or (for its author and moderators) `pending`, `hidden` or `removed`."
    )
    created_at = serializers.DateTimeField()
    reactions = ReactionCountsSerializer(source="reaction_counts")

    def get_excerpt(self, post) -> str:
        return text_excerpt(post.body_html)


class MemberPostsView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = MemberPostSerializer
    pagination_class = cursor_pagination(
        "-created_at", "-pk", page_size=30, name="MemberPostPagination"
    )

    def get_queryset(self):
        member = activity.member_get(username=self.kwargs["username"])
        query = MemberPostsQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return activity.member_posts(
            viewer=self.request.user, member=member, kind=query.validated_data.get("kind")
        )

    @extend_schema(
        summary="A member's threads and replies, the newest first",
        parameters=[MemberPostsQuerySerializer],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)
