"""Muting other members through the API: nothing they cause reaches you."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forum.notifications import services


class MuteSerializer(serializers.Serializer):
    username = serializers.CharField()


class MuteListView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="Members you muted", responses=MuteSerializer(many=True))
    def get(self, request: Request) -> Response:
        names = services.mutes_of(user=request.user)
        return Response([{"username": name} for name in names])


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
