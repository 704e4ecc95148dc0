"""Uploaded images, served by the forum itself when SERVE_MEDIA is on (development, or a
single host); in production a web server or an object store serves MEDIA_URL instead.
Only names of the images' own shape are served, read through the storage API."""

import re

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_http_methods

from forum.threads.images.selectors import image_name

_CONTENT_TYPES = {"png": "image/png", "webp": "image/webp"}
_FILENAME = re.compile(r"(?P<sha256>[0-9a-f]{64})\.(?P<format>png|webp)")
# A name is its content's hash: what is served under it never changes.
_FOREVER = "public, max-age=31536000, immutable"


@require_http_methods(["GET", "HEAD"])
def image_file(request: HttpRequest, shard: str, filename: str) -> FileResponse:
    match = _FILENAME.fullmatch(filename)
    if match is None or shard != filename[:2]:
        raise Http404("No such image.")
    sha256, format = match.group("sha256", "format")
    name = image_name(sha256, format)
    try:
        stored = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("No such image.") from exc
    response = FileResponse(stored, content_type=_CONTENT_TYPES[format])
    response["Cache-Control"] = _FOREVER
    response["Content-Disposition"] = "inline"
    return response
