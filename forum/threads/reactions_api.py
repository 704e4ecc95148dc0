"""Reactions through the API: give or take back one (PUT and DELETE on its kind, each
idempotent, answering the post's reactions) and list who reacted."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forum.core.pagination import cursor_pagination
from forum.threads import selectors, services
from forum.threads.api import AuthorSerializer, ReactionCountsSerializer
from forum.threads.models import ReactionKind


class ReactionSummarySerializer(serializers.Serializer):
    post_id = serializers.IntegerField()
    reactions = ReactionCountsSerializer(help_text="How many members gave each reaction.")
    my_reactions = serializers.ListField(
        child=serializers.ChoiceField(choices=ReactionKind.choices),
        help_text="The kinds of reaction the caller gave this post.",
    )


def _summary(user, post) -> dict:
    return ReactionSummarySerializer(selectors.reaction_summary(user=user, post=post)).data


_KIND = OpenApiParameter(
    "kind",
    str,
    location=OpenApiParameter.PATH,
    enum=ReactionKind.values,
    description="The reaction: `insightful`, `agree`, `disagree` or `sources` (“Sources?”).",
)


def _reaction_change(request: Request, pk: int, kind: str, change) -> Response:
    post = selectors.post_get(user=request.user, pk=pk)
    change(user=request.user, post=post, kind=kind)
    return Response(_summary(request.user, post))


class PostReactionView(APIView):
    @extend_schema(
        summary="React to a post",
        parameters=[_KIND],
        request=None,
        responses=ReactionSummarySerializer,
    )
    def put(self, request: Request, pk: int, kind: str) -> Response:
        return _reaction_change(request, pk, kind, services.reaction_add)

    @extend_schema(
        summary="Take back a reaction",
        parameters=[_KIND],
        request=None,
        # A DELETE is documented as a 204 unless told: this one answers the counts.
        responses={200: ReactionSummarySerializer},
    )
    def delete(self, request: Request, pk: int, kind: str) -> Response:
        return _reaction_change(request, pk, kind, services.reaction_remove)


class ReactionListQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=ReactionKind.choices,
        required=False,
        help_text="Only reactions of this kind; every kind when absent.",
    )


class ReactionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReactionKind.choices)
    member = AuthorSerializer(source="user")
    created_at = serializers.DateTimeField()


class PostReactionListView(generics.ListAPIView):
    serializer_class = ReactionSerializer
    pagination_class = cursor_pagination(
        "-created_at", "-pk", page_size=50, name="ReactionPagination"
    )

    def get_queryset(self):
        post = selectors.post_get(user=self.request.user, pk=self.kwargs["pk"])
        query = ReactionListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.reaction_list(post=post, kind=query.validated_data.get("kind"))

    @extend_schema(
        summary="Who reacted to a post, the latest first",
        parameters=[ReactionListQuerySerializer],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)
