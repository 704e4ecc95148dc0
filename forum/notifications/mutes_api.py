"""Muting other members through the API: nothing they cause reaches you."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forum.core.pagination import StableCursorPagination
from forum.notifications import selectors, services


class MuteSerializer(serializers.Serializer):
    username = serializers.CharField(source="muted.username")


class MutePagination(StableCursorPagination):
    ordering = ("-created_at", "-pk")
    page_size = 50


class MuteListView(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = MuteSerializer
    pagination_class = MutePagination

    def get_queryset(self):
        return selectors.mute_list(user=self.request.user)

    @extend_schema(summary="Members you muted, the latest first")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class MuteDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="Mute a member", request=None, responses=MuteSerializer)
    def put(self, request: Request, username: str) -> Response:
        services.mute_set(user=request.user, username=username, muted=True)
        return Response({"username": username})

    @extend_schema(summary="Unmute a member", request=None, responses={204: None})
    def delete(self, request: Request, username: str) -> Response:
        services.mute_set(user=request.user, username=username, muted=False)
        return Response(status=204)
