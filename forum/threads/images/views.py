"""Uploaded images, served by the forum itself when SERVE_MEDIA is on (development, or a
single host); in production a web server or an object store serves MEDIA_URL instead.
Only names of the images' own shape are served, read through the storage API."""

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_http_methods

from forum.threads.images.selectors import image_name

_CONTENT_TYPES = {"png": "image/png", "webp": "image/webp"}
# A name is its content's hash: what is served under it never changes.
_FOREVER = "public, max-age=31536000, immutable"


@require_http_methods(["GET", "HEAD"])
def image_file(request: HttpRequest, sha256: str, format: str) -> FileResponse:
    name = image_name(sha256, format)
    try:
        stored = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("No such image.") from exc
    response = FileResponse(stored, content_type=_CONTENT_TYPES[format])
    response["Cache-Control"] = _FOREVER
    response["Content-Disposition"] = "inline"
    return response
