"""What is new to the caller, through the API: marking a thread read up to a post.
(Thread lists carry each thread's `unread` and `last_read_post_id`: see
forum.threads.api.) Reading posts through the API marks nothing by itself: an
integrator says what its member has read."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions as drf_permissions
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forum.core.api import StrictSerializer, WholeNumberField
from forum.threads import selectors
from forum.threads.unread import selectors as unread_selectors
from forum.threads.unread import services as unread_services


class ThreadMarkReadSerializer(StrictSerializer):
    post_id = WholeNumberField(
        min_value=1, help_text="The last post of the thread your member has read."
    )


class ThreadReadStateSerializer(serializers.Serializer):
    thread_id = serializers.IntegerField()
    last_read_post_id = serializers.IntegerField(
        allow_null=True, help_text="The post the caller has read the thread up to."
    )
    unread = serializers.IntegerField(
        allow_null=True,
        help_text="How many posts the caller may read came after it, their own aside.",
    )


class ThreadReadView(APIView):
    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(
        summary="Mark a thread read up to a post",
        request=ThreadMarkReadSerializer,
        responses=ThreadReadStateSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        thread = selectors.thread_get(user=request.user, pk=pk)
        incoming = ThreadMarkReadSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        unread_services.thread_read_up_to(
            user=request.user, thread=thread, post_id=incoming.validated_data["post_id"]
        )
        state = unread_selectors.read_state(user=request.user, thread=thread)
        return Response(
            ThreadReadStateSerializer(
                {
                    "thread_id": thread.pk,
                    "last_read_post_id": state.last_read_post_id,
                    "unread": state.unread,
                }
            ).data
        )
