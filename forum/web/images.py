"""The composer's "Upload image" button, for browsers without JavaScript: the form comes
back as it was sent, with the image's Markdown added at the end of its body (with
JavaScript, parley-images.js uploads through the API and inserts it at the cursor)."""

from typing import NamedTuple

from django import forms
from django.http import HttpRequest

from forum.core.errors import ForumError, ValidationFailed
from forum.threads.images import services as image_services

UPLOAD_BUTTON = "upload_image"
FILE_FIELD = "image"


def wants_upload(request: HttpRequest) -> bool:
    return request.method == "POST" and UPLOAD_BUTTON in request.POST


class Uploaded(NamedTuple):
    form: forms.Form
    error: str  # the refusal, shown next to the file input
    status: int


def upload_into_form(
    request: HttpRequest, form_class, fields: tuple[str, ...], **options
) -> Uploaded:
    """The form `form_class` unbound, starting from what was sent in `fields` with the
    uploaded image's Markdown at the end of its body; or as sent, with the refusal."""
    values = {name: request.POST.get(name, "") for name in fields}
    try:
        upload = request.FILES.get(FILE_FIELD)
        if getattr(request, "upload_too_large", False):
            raise image_services.upload_too_large()
        if upload is None:
            raise ValidationFailed.for_field("file", "Choose an image to upload.", code="required")
        image = image_services.image_upload(uploader=request.user, file=upload)
    except ForumError as exc:
        error = exc.fields.get("file", [exc.message])[0]
        return Uploaded(form_class(initial=values, **options), error, exc.status)
    body = values.get("body", "").rstrip()
    markdown = image_services.image_markdown(image)
    values["body"] = f"{body}\n\n{markdown}\n" if body else f"{markdown}\n"
    return Uploaded(form_class(initial=values, **options), "", 200)
