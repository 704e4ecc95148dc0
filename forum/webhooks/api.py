"""Integrators' webhooks: register, list, delete, inspect deliveries, ping. Thin views:
input serializer, one selector or service call, output serializer; refusals come from
ForumError (a webhook that is not yours is a 404)."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forum.core import permissions
from forum.core.api import StrictSerializer, permission_checked_by
from forum.core.pagination import StableCursorPagination
from forum.webhooks import selectors, services
from forum.webhooks.events import EVENTS
from forum.webhooks.models import Webhook, WebhookDelivery
from forum.webhooks.ssrf import MAX_URL_LENGTH

CanManageWebhooks = permission_checked_by(permissions.check_can_manage_webhooks)


class WebhookSerializer(serializers.ModelSerializer):
    class Meta:
        model = Webhook
        fields = (
            "id",
            "url",
            "events",
            "is_active",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "created_at",
        )


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(
        help_text="Signs every delivery. Shown in this response only: store it now."
    )

    class Meta(WebhookSerializer.Meta):
        fields = (*WebhookSerializer.Meta.fields, "secret")


class WebhookCreateSerializer(StrictSerializer):
    # The service checks the URL's shape for every caller; the length is repeated here
    # so that an over-long URL is refused before anything else looks at it.
    url = serializers.CharField(max_length=MAX_URL_LENGTH)
    events = serializers.ListField(
        child=serializers.CharField(max_length=64),
        allow_empty=False,
        max_length=len(EVENTS),
        help_text=f"Any of: {', '.join(EVENTS)}.",
    )


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = (
            "id",
            "event",
            "event_id",
            "payload",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "next_attempt_at",
            "created_at",
            "delivered_at",
        )


class NewestFirst(StableCursorPagination):
    ordering = ("-created_at", "-pk")
    page_size = 50


class WebhookListCreateView(generics.ListAPIView):
    permission_classes = [CanManageWebhooks]
    serializer_class = WebhookSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        return selectors.webhook_list(user=self.request.user)

    @extend_schema(summary="Your webhooks")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Register a webhook",
        request=WebhookCreateSerializer,
        responses={201: WebhookCreatedSerializer},
    )
    def post(self, request: Request) -> Response:
        incoming = WebhookCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        webhook = services.webhook_create(owner=request.user, **incoming.validated_data)
        return Response(WebhookCreatedSerializer(webhook).data, status=201)


class WebhookDetailView(APIView):
    permission_classes = [CanManageWebhooks]

    @extend_schema(summary="Read a webhook", responses=WebhookSerializer)
    def get(self, request: Request, pk: int) -> Response:
        webhook = selectors.webhook_get(user=request.user, pk=pk)
        return Response(WebhookSerializer(webhook).data)

    @extend_schema(summary="Delete a webhook", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        webhook = selectors.webhook_get(user=request.user, pk=pk)
        services.webhook_delete(webhook=webhook)
        return Response(status=204)


class WebhookDeliveryListView(generics.ListAPIView):
    permission_classes = [CanManageWebhooks]
    serializer_class = WebhookDeliverySerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        webhook = selectors.webhook_get(user=self.request.user, pk=self.kwargs["pk"])
        return selectors.delivery_list(webhook=webhook)

    @extend_schema(
        summary="A webhook's deliveries, newest first",
        responses=WebhookDeliverySerializer(many=True),
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class WebhookPingView(APIView):
    permission_classes = [CanManageWebhooks]

    @extend_schema(
        summary="Send a test delivery", request=None, responses={202: WebhookDeliverySerializer}
    )
    def post(self, request: Request, pk: int) -> Response:
        webhook = selectors.webhook_get(user=request.user, pk=pk)
        delivery = services.webhook_ping(webhook=webhook)
        return Response(WebhookDeliverySerializer(delivery).data, status=202)
