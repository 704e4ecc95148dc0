"""Drafts through the API: one resource per draft (a reply's in a thread, or the new
thread's), read, saved (PUT, replacing the stored copy) and discarded; and the member's
drafts as a list. Only the owner ever reads a draft."""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forum.core.api import StrictSerializer, TextField, WholeNumberField
from forum.core.errors import NotFound, ValidationFailed
from forum.core.pagination import cursor_pagination
from forum.core.schema import ErrorSerializer
from forum.threads import selectors as thread_selectors
from forum.threads.drafts import selectors, services
from forum.threads.models import Category


class DraftSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["reply", "thread"], help_text="A reply in a thread, or a new thread."
    )
    thread_id = serializers.IntegerField(
        allow_null=True, help_text="The thread replied in; null for a new thread."
    )
    parent_id = serializers.IntegerField(
        source="parent_post_id",
        allow_null=True,
        help_text="The post replied to, when the reply answers one.",
    )
    category = serializers.CharField(
        source="category.slug",
        allow_null=True,
        help_text="A new thread's category (its slug), when one was chosen.",
    )
    title = serializers.CharField(help_text="A new thread's title; empty for a reply.")
    body = serializers.CharField(help_text="The Markdown written so far.")
    updated_at = serializers.DateTimeField(
        help_text="When it was last saved; send it back with the next PUT."
    )


_TITLE_LENGTH = (0, settings.PARLEY["TITLE_MAX_LENGTH"])
_BODY_LENGTH = (0, settings.PARLEY["BODY_MAX_LENGTH"])


class DraftInputSerializer(StrictSerializer):
    body = TextField(
        allow_blank=True,
        trim_whitespace=False,
        documented_length=_BODY_LENGTH,
        help_text="The Markdown written so far, as long as a post may be.",
    )
    title = TextField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        documented_length=_TITLE_LENGTH,
        help_text="A new thread's title (ignored for a reply).",
    )
    category = TextField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=80,
        help_text="A new thread's category slug (ignored for a reply).",
    )
    parent_id = WholeNumberField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="The post of the thread the reply answers (ignored for a new thread).",
    )
    updated_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="The `updated_at` of the copy this one was written from. When the "
        "stored draft was saved after it (from another device), the answer is a 409 "
        "`draft_changed` and nothing is overwritten; when it is gone (posted or discarded "
        "elsewhere), a 409 `draft_gone` and it stays gone. Leave it out to save "
        "regardless, or to start a draft.",
    )


def _category(slug: str | None) -> Category | None:
    if not slug:
        return None
    category = Category.objects.filter(slug=slug).first()
    if category is None:
        raise ValidationFailed.for_field("category", "No such category.", code="bad_category")
    return category


class _DraftView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def thread(self, request: Request, **kwargs):
        """The thread the draft is for, or None for the new thread's."""
        return None

    def get(self, request: Request, **kwargs) -> Response:
        draft = selectors.draft_get(user=request.user, thread=self.thread(request, **kwargs))
        if draft is None:
            raise NotFound("No draft here.")
        return Response(DraftSerializer(draft).data)

    def put(self, request: Request, **kwargs) -> Response:
        thread = self.thread(request, **kwargs)
        given = DraftInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        draft = services.draft_save(
            user=request.user,
            thread=thread,
            body=data["body"],
            title=data.get("title", ""),
            category=_category(data.get("category")) if thread is None else None,
            parent_id=data.get("parent_id"),
            seen_updated_at=data.get("updated_at"),
        )
        return Response(DraftSerializer(draft).data)

    def delete(self, request: Request, **kwargs) -> Response:
        services.draft_discard(user=request.user, thread=self.thread(request, **kwargs))
        return Response(status=204)


_SAVE = {"request": DraftInputSerializer, "responses": DraftSerializer}
_READ = {
    "responses": {
        200: DraftSerializer,
        404: OpenApiResponse(ErrorSerializer, description="No draft is kept here."),
    }
}


@extend_schema(methods=["GET"], summary="Your draft of a reply in a thread", **_READ)
@extend_schema(methods=["PUT"], summary="Save your draft of a reply in a thread", **_SAVE)
@extend_schema(methods=["DELETE"], summary="Discard your draft of a reply in a thread")
class ThreadDraftView(_DraftView):
    serializer_class = DraftSerializer

    def thread(self, request: Request, **kwargs):
        return thread_selectors.thread_get(user=request.user, pk=kwargs["thread_id"])


@extend_schema(methods=["GET"], summary="Your draft of a new thread", **_READ)
@extend_schema(methods=["PUT"], summary="Save your draft of a new thread", **_SAVE)
@extend_schema(methods=["DELETE"], summary="Discard your draft of a new thread")
class NewThreadDraftView(_DraftView):
    serializer_class = DraftSerializer


class DraftListView(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = DraftSerializer
    pagination_class = cursor_pagination("-updated_at", "-pk", page_size=30, name="DraftPagination")

    def get_queryset(self):
        return selectors.draft_list(user=self.request.user)

    @extend_schema(summary="Your drafts, the latest saved first")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)
