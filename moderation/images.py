"""The deny list of images: moderators name an image, by the hashes of its bytes as
uploaded and as stored, and the forum refuses it as an upload and holds new posts that
show it (registered with forum.threads.hooks in moderation.plugs). Every change to the
list is in the moderation log."""

from collections.abc import Collection

from django.core.files.storage import default_storage
from django.db import transaction

from forum.core import permissions
from forum.core.text import clean_text
from forum.threads.models import Image
from moderation.log import log_record
from moderation.models import DeniedImage


def denied_hashes(hashes: Collection[str]) -> frozenset[str]:
    return frozenset(
        DeniedImage.objects.filter(sha256__in=list(hashes)).values_list("sha256", flat=True)
    )


def image_deny(*, actor, image: Image, reason: object = "") -> bool:
    """Put `image` on the deny list, and take its file down once that commits (every
    post showing it shows it no more, wherever the storage serves it from); False if
    it was on the list already."""
    permissions.check_can_deny_images(actor)
    reason = clean_text(reason or "", field="reason", min_length=0, max_length=1000, multiline=True)
    hashes = {image.sha256, image.original_sha256}
    with transaction.atomic():
        listed = set(denied_hashes(hashes))
        new = [
            DeniedImage(sha256=sha256, reason=reason, denied_by=actor)
            for sha256 in sorted(hashes - listed)
        ]
        if not new:
            return False
        DeniedImage.objects.bulk_create(new, ignore_conflicts=True)
        files = set(Image.objects.filter(sha256=image.sha256).values_list("file", flat=True))
        transaction.on_commit(lambda: _delete_files(files))
        log_record(
            actor=actor,
            action="deny_image",
            target=image,
            reason=reason,
            details={"sha256": sorted(hashes)},
        )
    return True


def _delete_files(names: Collection[str]) -> None:
    for name in names:
        default_storage.delete(name)


def image_allow(*, actor, denied: DeniedImage, reason: object = "") -> bool:
    """Take `denied` off the deny list; False if it was off it already."""
    permissions.check_can_deny_images(actor)
    reason = clean_text(reason or "", field="reason", min_length=0, max_length=1000, multiline=True)
    with transaction.atomic():
        removed, _ = DeniedImage.objects.filter(pk=denied.pk).delete()
        if not removed:
            return False
        log_record(
            actor=actor,
            action="allow_image",
            target=denied,
            reason=reason,
            details={"sha256": [denied.sha256]},
        )
    return True
