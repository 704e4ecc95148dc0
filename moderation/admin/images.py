"""Uploaded images and the deny list, for moderators of the whole forum: images belong to
no category. Denying and allowing go through moderation.images, which checks who may,
logs the change and takes the denied file down."""

from django.contrib import admin, messages
from django.utils.html import format_html

from forum.core.admin import ViewOnly
from forum.core.errors import ForumError
from forum.threads.models import Image
from moderation import images
from moderation.admin.base import ForumRecordsAccess, LaidOutForModerators
from moderation.models import DeniedImage, UploadedImage


def _each(request, queryset, change, done: str) -> None:
    changed = 0
    for row in queryset:
        try:
            changed += change(row)
        except ForumError as exc:
            messages.error(request, exc.message)
            return
    messages.success(request, f"{done}: {changed}.")


@admin.action(description="Deny this image (remove it and refuse it from now on)")
def deny_images(modeladmin, request, queryset):
    _each(
        request,
        queryset,
        lambda image: images.image_deny(actor=request.user, image=image, reason="From the admin"),
        "Images denied",
    )


@admin.action(description="Take off the deny list")
def allow_images(modeladmin, request, queryset):
    _each(
        request,
        queryset,
        lambda denied: images.image_allow(actor=request.user, denied=denied),
        "Taken off the deny list",
    )


@admin.register(UploadedImage)
class UploadedImageAdmin(LaidOutForModerators, ForumRecordsAccess, ViewOnly, admin.ModelAdmin):
    list_display = ("preview", "alt", "uploaded_by", "width", "height", "size", "created_at")
    list_select_related = ("uploaded_by",)
    search_fields = ("sha256", "original_sha256", "uploaded_by__username", "alt")
    actions = [deny_images]

    @admin.display(description="Image")
    def preview(self, image: Image) -> str:
        return format_html(
            '<img src="{}" alt="{}" width="80" loading="lazy">', image.url, image.alt
        )


@admin.register(DeniedImage)
class DeniedImageAdmin(LaidOutForModerators, ForumRecordsAccess, ViewOnly, admin.ModelAdmin):
    list_display = ("sha256", "reason", "denied_by", "created_at")
    list_select_related = ("denied_by",)
    search_fields = ("sha256",)
    actions = [allow_images]
