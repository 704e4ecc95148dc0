"""Uploading an image: check who may, check and re-encode the file, refuse what a deny
list names, store it once under its hash, and give the member a row of their own."""

from datetime import timedelta
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from forum.core import permissions
from forum.core.errors import ValidationFailed
from forum.core.text import clean_text
from forum.threads import hooks
from forum.threads.images.processing import ImageRefused, process_image
from forum.threads.images.selectors import image_name
from forum.threads.models import Image

ALT_MAX_LENGTH = 200
UPLOAD_WINDOW = timedelta(hours=1)


def _alt_from(alt: object, filename: str) -> str:
    """The member's alt text, or one made from the file's name ("rainfall_2024.png" is
    "rainfall 2024"), or "image"."""
    if alt not in (None, ""):
        return clean_text(
            alt, field="alt", min_length=1, max_length=ALT_MAX_LENGTH, multiline=False
        )
    stem = PurePath(filename or "").stem.replace("_", " ").replace("-", " ")
    return " ".join(stem.split())[:ALT_MAX_LENGTH] or "image"


def _store(name: str, content: bytes) -> None:
    """Keep `content` under `name` unless it is there already. The name is the content's
    hash, so a file already there holds these very bytes."""
    if default_storage.exists(name):
        return
    saved = default_storage.save(name, ContentFile(content))
    if saved != name:  # another upload of the same image stored it meanwhile
        default_storage.delete(saved)


def _recent_uploads(uploader) -> int:
    if not uploader.is_authenticated:
        return 0
    since = timezone.now() - UPLOAD_WINDOW
    return Image.objects.filter(uploaded_by=uploader, created_at__gte=since).count()


def image_upload(*, uploader, file, alt: object = None) -> Image:
    """Make `file` (an uploaded file: `name`, `size`, `read()`) an image `uploader` may
    show in posts and return its row; the same image uploaded again by the same member
    returns their existing row. Refusals are ForumErrors: not allowed, too many uploads
    this hour, too large, not an image, animated, or denied by moderators."""
    permissions.check_can_upload_image(uploader, recent_uploads=_recent_uploads(uploader))
    limits = settings.PARLEY
    if file.size is not None and file.size > limits["IMAGE_MAX_BYTES"]:
        raise ValidationFailed.for_field(
            "file",
            f"This image is {file.size:,} bytes; the limit is {limits['IMAGE_MAX_BYTES']:,}.",
            code="too_large",
        )
    alt_text = _alt_from(alt, file.name)
    try:
        image = process_image(
            file.read(limits["IMAGE_MAX_BYTES"] + 1),
            max_bytes=limits["IMAGE_MAX_BYTES"],
            max_pixels=limits["IMAGE_MAX_PIXELS"],
        )
    except ImageRefused as exc:
        raise ValidationFailed.for_field("file", str(exc), code=exc.code) from exc
    if hooks.denied_images({image.sha256, image.original_sha256}):
        raise ValidationFailed.for_field(
            "file", "Moderators have removed this image from the forum.", code="image_denied"
        )
    existing = Image.objects.filter(uploaded_by=uploader, sha256=image.sha256).first()
    if existing is not None:
        return existing
    name = image_name(image.sha256, image.format)
    _store(name, image.content)
    try:
        with transaction.atomic():
            return Image.objects.create(
                sha256=image.sha256,
                original_sha256=image.original_sha256,
                file=name,
                format=image.format,
                width=image.width,
                height=image.height,
                size=len(image.content),
                alt=alt_text,
                uploaded_by=uploader,
            )
    except IntegrityError:  # the same member sent the same image twice at once
        return Image.objects.get(uploaded_by=uploader, sha256=image.sha256)


def upload_too_large() -> ValidationFailed:
    """The refusal of a file dropped as it arrived for being too large
    (forum.core.uploads)."""
    limit = settings.PARLEY["IMAGE_MAX_BYTES"]
    return ValidationFailed.for_field(
        "file", f"This image is larger than the limit of {limit:,} bytes.", code="too_large"
    )


def image_markdown(image: Image) -> str:
    """The Markdown that shows `image` in a post."""
    alt = image.alt.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return f"![{alt}]({image.url})"
