"""In-app notifications and watching, for the API (the web badge reads the same rows)."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forum.core.api import StrictSerializer, WholeNumberField
from forum.core.pagination import StableCursorPagination
from forum.notifications import selectors, services
from forum.notifications.models import Notification, WatchLevel
from forum.threads import selectors as thread_selectors


class NotificationSerializer(serializers.ModelSerializer):
    text = serializers.SerializerMethodField(
        help_text="What happened, to which post, and (for a moderation outcome) why."
    )
    url = serializers.SerializerMethodField()
    actor = serializers.CharField(source="actor.username", allow_null=True)
    outcome = serializers.CharField(
        help_text="For a moderation outcome, what happened: `held`, `approved`, "
        "`rejected`, `hidden`, `removed`, `restored` or `edited` (a post or a thread); "
        "`upheld` or `dismissed` (a report); `lifted` or `upheld` (a sanction appeal). "
        "Empty for other kinds."
    )
    excerpt = serializers.SerializerMethodField(
        help_text="The beginning of the post's rendered text, when you may read the post "
        "(your own post, whatever its state, included); empty otherwise."
    )

    class Meta:
        model = Notification
        fields = (
            "id",
            "kind",
            "outcome",
            "text",
            "excerpt",
            "url",
            "actor",
            "thread_id",
            "post_id",
            "count",
            "created_at",
            "updated_at",
            "read_at",
        )

    def get_text(self, notification) -> str:
        return selectors.describe(notification)

    def get_excerpt(self, notification) -> str:
        return selectors.excerpt(notification, user=self.context["request"].user)

    def get_url(self, notification) -> str:
        return f"/p/{notification.post_id}/" if notification.post_id else "/"


class NewestUpdated(StableCursorPagination):
    ordering = ("-updated_at", "-pk")
    page_size = 30


class NotificationListView(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = NotificationSerializer
    pagination_class = NewestUpdated

    def get_queryset(self):
        return selectors.inbox(user=self.request.user)

    @extend_schema(summary="Your notifications, most recently updated first")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class UnreadSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class MarkedSerializer(UnreadSerializer):
    marked = serializers.IntegerField(help_text="How many were marked read now.")


class UnreadCountView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="How many notifications are unread", responses=UnreadSerializer)
    def get(self, request: Request) -> Response:
        return Response({"unread": selectors.unread_count(user=request.user)})


class MarkReadSerializer(StrictSerializer):
    ids = serializers.ListField(
        child=WholeNumberField(min_value=1), required=False, max_length=1000
    )


class MarkReadView(APIView):
    """Mark the given notifications read, or all of them without `ids`."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Mark notifications read", request=MarkReadSerializer, responses=MarkedSerializer
    )
    def post(self, request: Request) -> Response:
        incoming = MarkReadSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        marked = services.notifications_mark_read(
            user=request.user, ids=incoming.validated_data.get("ids")
        )
        return Response({"marked": marked, "unread": selectors.unread_count(user=request.user)})


class WatchSerializer(StrictSerializer):
    level = serializers.ChoiceField(choices=WatchLevel.values)


class ThreadWatchView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Set how closely you watch a thread",
        request=WatchSerializer,
        responses=WatchSerializer,
    )
    def put(self, request: Request, pk: int) -> Response:
        thread = thread_selectors.thread_get(user=request.user, pk=pk)
        incoming = WatchSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.watch_set(user=request.user, thread=thread, **incoming.validated_data)
        return Response(incoming.validated_data)
