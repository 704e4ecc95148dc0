"""Accounts through the API: the member's own profile and personal tokens. (Other
members' public profiles, which count their posts, are in forum.threads.api.)"""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forum.accounts import services
from forum.accounts.models import ApiToken, EmailFrequency, User
from forum.core.api import StrictSerializer, TextField
from forum.core.pagination import StableCursorPagination


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = (
            "id",
            "username",
            "display_name",
            "bio",
            "email",
            "date_joined",
            "role",
            "trust_level",
            "email_frequency",
            "auto_watch_threads",
        )


class TokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = (
            "id",
            "name",
            "prefix",
            "read_only",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
        )
        extra_kwargs = {"expires_at": {"help_text": "When it stops working; null: never."}}


class MeUpdateSerializer(StrictSerializer):
    display_name = TextField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        documented_length=(0, services.DISPLAY_NAME_MAX_LENGTH),
    )
    bio = TextField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        documented_length=(0, services.BIO_MAX_LENGTH),
    )
    email_frequency = serializers.ChoiceField(choices=EmailFrequency.choices, required=False)
    auto_watch_threads = serializers.BooleanField(required=False)


class TokenCreateSerializer(StrictSerializer):
    name = TextField(max_length=100)
    read_only = serializers.BooleanField(default=False)
    expires_in_days = serializers.ChoiceField(
        choices=services.TOKEN_LIFETIMES_DAYS,
        allow_null=True,
        default=None,
        help_text="How long the token works, in days; null (the default): until revoked.",
    )


class TokenCreatedSerializer(TokenSerializer):
    token = serializers.CharField(help_text="The token itself. Shown this once only.")

    class Meta(TokenSerializer.Meta):
        fields = (*TokenSerializer.Meta.fields, "token")


class MeView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="Your own account", responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)

    @extend_schema(
        summary="Change your profile and settings",
        request=MeUpdateSerializer,
        responses=MeSerializer,
    )
    def patch(self, request: Request) -> Response:
        incoming = MeUpdateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        user = request.user
        current = {
            "display_name": user.display_name,
            "bio": user.bio,
            "email_frequency": user.email_frequency,
            "auto_watch_threads": user.auto_watch_threads,
        }
        services.user_update_profile(user=user, **{**current, **incoming.validated_data})
        return Response(MeSerializer(user).data)


class TokenPagination(StableCursorPagination):
    ordering = ("-created_at", "-pk")
    page_size = 50


class TokenListView(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = TokenSerializer
    pagination_class = TokenPagination

    def get_queryset(self):
        return ApiToken.objects.filter(user=self.request.user)

    @extend_schema(summary="Your API tokens")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create an API token (shown once)",
        request=TokenCreateSerializer,
        responses={201: TokenCreatedSerializer},
    )
    def post(self, request: Request) -> Response:
        incoming = TokenCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        row, token = services.token_create(user=request.user, **incoming.validated_data)
        data = TokenSerializer(row).data
        data["token"] = token
        return Response(data, status=201)


class TokenDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="Revoke an API token", request=None, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        services.token_revoke(user=request.user, token_id=pk)
        return Response(status=204)
