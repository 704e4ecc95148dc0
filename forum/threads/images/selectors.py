"""Reading images: the pattern of their URLs, and the forum's own images among the URLs
a post shows."""

import re
from collections.abc import Mapping, Sequence

from django.core.files.storage import default_storage

from forum.threads.models import Image
from forum.threads.rendering import EmbeddedImage

IMAGE_FOLDER = "images"

_NAME = r"[0-9a-f]{2}/(?P<sha256>[0-9a-f]{64})\.(?:png|webp)"


def image_name(sha256: str, format: str) -> str:
    """Where the storage keeps the image whose bytes hash to `sha256`."""
    return f"{IMAGE_FOLDER}/{sha256[:2]}/{sha256}.{format}"


def image_src_pattern() -> re.Pattern[str]:
    """What the URL of one of the forum's images looks like, wherever the storage
    serves them from."""
    return re.compile(re.escape(default_storage.url(f"{IMAGE_FOLDER}/")) + _NAME)


def own_images(sources: Sequence[str]) -> Mapping[str, EmbeddedImage]:
    """The forum's own images among the URLs `sources`, by URL (one query)."""
    pattern = image_src_pattern()
    wanted = {}
    for src in sources:
        match = pattern.fullmatch(src)
        if match is not None:
            wanted[src] = match.group("sha256")
    if not wanted:
        return {}
    # Every uploader's row of an image has the same file and size; the first one's alt
    # text is the default.
    stored: dict[str, Image] = {}
    for image in Image.objects.filter(sha256__in=set(wanted.values())).order_by("pk"):
        stored.setdefault(image.sha256, image)
    found = {}
    for src, sha256 in wanted.items():
        image = stored.get(sha256)
        if image is not None and image.url == src:
            found[src] = EmbeddedImage(
                sha256=sha256, width=image.width, height=image.height, alt=image.alt
            )
    return found
