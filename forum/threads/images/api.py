"""Uploading images for posts: `POST /api/v1/images/` takes one file as
multipart/form-data (the one endpoint of the API that is not JSON) and answers with the
image and the Markdown that shows it; `GET /api/v1/images/{id}/` reads it back."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forum.core import permissions
from forum.core.api import PayloadTooLarge, StrictSerializer, TextField
from forum.core.errors import NotFound
from forum.core.text import whole_number
from forum.threads.images import services
from forum.threads.models import Image

# Room for the multipart framing and the alt text around the file itself.
_MULTIPART_OVERHEAD = 64 * 1024


class LimitedMultiPartParser(MultiPartParser):
    """Multipart bodies no larger than an image upload may be, refused with a 413 on
    their declared length before any of it is read or spooled to disk."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.PARLEY["IMAGE_MAX_BYTES"] + _MULTIPART_OVERHEAD
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if (whole_number(declared) or 0) > limit:
            raise PayloadTooLarge(
                f"The request body is larger than the limit of {limit} bytes for an image."
            )
        return super().parse(stream, media_type, parser_context)


class ImageUploadSerializer(StrictSerializer):
    file = serializers.FileField(help_text="A PNG, JPEG, WebP or (still) GIF image.")
    alt = TextField(
        required=False,
        allow_blank=True,
        documented_length=(0, services.ALT_MAX_LENGTH),
        help_text="What the image shows, for readers who cannot see it; "
        "made from the file's name when left out.",
    )


class ImageSerializer(serializers.ModelSerializer):
    url = serializers.CharField(read_only=True)
    markdown = serializers.SerializerMethodField()

    class Meta:
        model = Image
        fields = ("id", "url", "width", "height", "alt", "markdown")

    def get_markdown(self, image: Image) -> str:
        return services.image_markdown(image)


class ImageUploadView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [LimitedMultiPartParser]

    @extend_schema(
        summary="Upload an image for a post",
        request={"multipart/form-data": ImageUploadSerializer},
        responses={201: ImageSerializer},
    )
    def post(self, request: Request) -> Response:
        data = request.data  # parsed here: the upload handlers run now
        if "file" not in data and getattr(request._request, "upload_too_large", False):
            raise services.upload_too_large()
        serializer = ImageUploadSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        image = services.image_upload(uploader=request.user, **serializer.validated_data)
        return Response(ImageSerializer(image).data, status=201)


class ImageDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Read an uploaded image", responses=ImageSerializer)
    def get(self, request: Request, pk: int) -> Response:
        image = Image.objects.filter(pk=pk).first()
        if image is None:
            raise NotFound("No such image.")
        permissions.check_can_view_image(request.user, image)
        return Response(ImageSerializer(image).data)
