"""Images in posts: who may upload, what is stored and where, the forum's own images
shown in posts with their size (and no other image), and the deny list."""

import hashlib
import io
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PillowImage
from PIL import PngImagePlugin

from forum.core.errors import NotAuthenticated, PermissionDenied, RateLimited, ValidationFailed
from forum.core.states import PostState
from forum.threads.images.services import image_markdown, image_upload
from forum.threads.models import Image
from forum.threads.services import post_create, post_edit
from moderation.images import image_allow, image_deny
from moderation.models import DeniedImage, ModerationLogEntry, ReviewItem
from moderation.services import sanction_impose
from tests.factories import UserFactory, make_thread

pytestmark = pytest.mark.django_db


def picture(name="rainfall_2024.png", *, format="PNG", colour="teal", size=(120, 80)):
    buffer = io.BytesIO()
    PillowImage.new("RGB", size, colour).save(buffer, format=format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_an_upload_is_stored_under_the_hash_of_its_re_encoded_bytes(member):
    image = image_upload(uploader=member, file=picture())

    assert re.fullmatch(r"/media/images/([0-9a-f]{2})/\1[0-9a-f]{62}\.png", image.url)
    assert image.file.name == f"images/{image.sha256[:2]}/{image.sha256}.png"
    assert (image.width, image.height, image.format) == (120, 80, "png")
    with default_storage.open(image.file.name, "rb") as stored:
        assert PillowImage.open(stored).size == (120, 80)
    assert image.alt == "rainfall 2024"  # from the file's name
    assert image_markdown(image) == f"![rainfall 2024]({image.url})"


def test_the_member_may_give_the_alt_text(member):
    image = image_upload(uploader=member, file=picture(), alt="Rainfall [mm] by month")
    assert image.alt == "Rainfall [mm] by month"
    assert image_markdown(image) == rf"![Rainfall \[mm\] by month]({image.url})"


def test_the_same_image_is_stored_once_and_each_uploader_has_a_row(member, other_member):
    first = image_upload(uploader=member, file=picture("a.png"))
    again = image_upload(uploader=member, file=picture("b.png"))
    theirs = image_upload(uploader=other_member, file=picture("c.png"))

    assert again.pk == first.pk
    assert theirs.pk != first.pk
    assert theirs.file.name == first.file.name
    assert Image.objects.count() == 2


def test_a_png_named_jpg_is_a_png_and_text_named_png_is_refused(member):
    assert image_upload(uploader=member, file=picture("chart.jpg")).format == "png"
    text = SimpleUploadedFile("chart.png", b"not an image at all\n", content_type="image/png")

    with pytest.raises(ValidationFailed) as refused:
        image_upload(uploader=member, file=text)

    assert refused.value.code == "not_an_image"
    assert "file" in refused.value.fields


def test_an_upload_past_the_byte_limit_is_refused(member, settings):
    settings.PARLEY = {**settings.PARLEY, "IMAGE_MAX_BYTES": 100}
    with pytest.raises(ValidationFailed) as refused:
        image_upload(uploader=member, file=picture())
    assert refused.value.code == "too_large"


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        (lambda: UserFactory(trust_level=0), PermissionDenied),
        (lambda: UserFactory(is_active=False), PermissionDenied),
    ],
)
def test_members_below_the_trust_level_or_inactive_may_not_upload(who, refusal):
    with pytest.raises(refusal):
        image_upload(uploader=who(), file=picture())
    assert not Image.objects.exists()


def test_anonymous_and_silenced_members_may_not_upload(member, moderator):
    with pytest.raises(NotAuthenticated):
        image_upload(uploader=AnonymousUser(), file=picture())
    sanction_impose(actor=moderator, user=member, kind="silence", reason="Spam")
    with pytest.raises(PermissionDenied) as refused:
        image_upload(uploader=member, file=picture())
    assert refused.value.code == "account_silenced"


def test_uploads_are_limited_per_hour(member, settings):
    settings.PARLEY = {**settings.PARLEY, "IMAGE_UPLOADS_PER_HOUR": 2}
    image_upload(uploader=member, file=picture(colour="red"))
    image_upload(uploader=member, file=picture(colour="blue"))

    with pytest.raises(RateLimited) as refused:
        image_upload(uploader=member, file=picture(colour="green"))

    assert refused.value.code == "too_many_uploads"
    assert Image.objects.count() == 2


# --- in posts -------------------------------------------------------------------------


def test_a_post_shows_the_forums_own_image_with_its_size_lazily(member):
    image = image_upload(uploader=member, file=picture())

    thread = make_thread(author=member, body=f"The chart:\n\n{image_markdown(image)}")

    html = thread.opening_post.body_html
    assert (
        f'<img src="{image.url}" alt="rainfall 2024" width="120" height="80" '
        'loading="lazy" decoding="async">'
    ) in html


def test_an_empty_alt_text_takes_the_images_own(member):
    image = image_upload(uploader=member, file=picture())
    thread = make_thread(author=member, body=f"![]({image.url})")
    assert 'alt="rainfall 2024"' in thread.opening_post.body_html


@pytest.mark.parametrize(
    "source",
    [
        "![tracker](https://evil.example/pixel.png)",
        "![x](javascript:alert(1))",
        "![x](data:image/png;base64,iVBORw0KGgo=)",
        "![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
        # The shape of the forum's own images, but no such image was ever uploaded.
        f"![x](/media/images/ab/{'ab' * 32}.png)",
        # An uploaded image's name under somebody else's host.
        "![x](https://evil.example/media/images/{shard}/{sha}.png)",
        "![x](/media/images/{shard}/{sha}.png?track=1)",
        "![x](/media/../media/images/{shard}/{sha}.png)",
    ],
)
def test_every_other_image_stays_a_link_or_nothing(member, source):
    image = image_upload(uploader=member, file=picture())
    body = source.format(shard=image.sha256[:2], sha=image.sha256)

    html = make_thread(author=member, body=body).opening_post.body_html

    assert "<img" not in html
    assert not re.search(r'(src|href)="\s*(javascript|data):', html, re.IGNORECASE)


def test_a_post_may_show_so_many_images(member, settings):
    settings.PARLEY = {**settings.PARLEY, "IMAGES_PER_POST": 2}
    image = image_upload(uploader=member, file=picture())
    thread = make_thread(author=member, body=image_markdown(image) * 2)

    with pytest.raises(ValidationFailed) as refused:
        post_create(author=member, thread=thread, body=image_markdown(image) * 3)

    assert refused.value.code == "too_many_images"
    assert thread.opening_post.body_html.count("<img") == 2


# --- the deny list --------------------------------------------------------------------


def test_a_denied_image_is_taken_down_and_logged(
    member, moderator, django_capture_on_commit_callbacks
):
    image = image_upload(uploader=member, file=picture())
    name = image.file.name

    with django_capture_on_commit_callbacks(execute=True):
        assert image_deny(actor=moderator, image=image, reason="Gore") is True
    assert image_deny(actor=moderator, image=image) is False  # already denied

    assert set(DeniedImage.objects.values_list("sha256", flat=True)) == {
        image.sha256,
        image.original_sha256,
    }
    assert not default_storage.exists(name)
    entry = ModerationLogEntry.objects.get(action="deny_image")
    assert (entry.actor, entry.target_type, entry.target_id) == (moderator, "image", image.pk)
    assert entry.reason == "Gore"


def test_only_moderators_of_the_whole_forum_change_the_deny_list(member):
    image = image_upload(uploader=member, file=picture())
    with pytest.raises(PermissionDenied):
        image_deny(actor=member, image=image)
    assert not DeniedImage.objects.exists()


def with_comment(comment: str) -> SimpleUploadedFile:
    """The same pixels as picture(), with a text chunk: other bytes as uploaded, the
    same bytes once re-encoded."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", comment)
    buffer = io.BytesIO()
    PillowImage.new("RGB", (120, 80), "teal").save(buffer, format="PNG", pnginfo=info)
    return SimpleUploadedFile("again.png", buffer.getvalue(), content_type="image/png")


def test_an_upload_of_a_denied_image_is_refused_by_either_hash(member, other_member, moderator):
    image = image_upload(uploader=member, file=picture())
    image_deny(actor=moderator, image=image)

    for uploader, file in ((other_member, picture()), (member, with_comment("hello"))):
        with pytest.raises(ValidationFailed) as refused:
            image_upload(uploader=uploader, file=file)
        assert refused.value.code == "image_denied"

    # Listed by the hash of the bytes as sent alone, an image is refused all the same.
    DeniedImage.objects.all().delete()
    original = with_comment("only the original is listed")
    DeniedImage.objects.create(sha256=hashlib.sha256(original.read()).hexdigest())
    original.seek(0)
    with pytest.raises(ValidationFailed):
        image_upload(uploader=other_member, file=original)


def test_a_new_post_showing_a_denied_image_is_held_for_review_and_an_edit_refused(
    member, moderator, django_capture_on_commit_callbacks
):
    image = image_upload(uploader=member, file=picture())
    thread = make_thread(author=member, body="Before.")
    reply = post_create(author=member, thread=thread, body="No image yet.")
    image_deny(actor=moderator, image=image)

    with django_capture_on_commit_callbacks(execute=True):
        held = post_create(author=member, thread=thread, body=image_markdown(image))
    with pytest.raises(ValidationFailed) as refused:
        post_edit(editor=member, post=reply, body=f"Now with {image_markdown(image)}")

    assert held.state == PostState.PENDING
    assert "image" in held.state_reason
    assert ReviewItem.objects.filter(post=held, state=ReviewItem.State.PENDING).exists()
    assert refused.value.code == "image_denied"


def test_an_image_taken_off_the_list_may_be_uploaded_again_and_that_is_logged(member, moderator):
    image = image_upload(uploader=member, file=picture())
    image_deny(actor=moderator, image=image)

    for denied in DeniedImage.objects.all():
        assert image_allow(actor=moderator, denied=denied, reason="Mistake") is True

    assert image_upload(uploader=member, file=picture()).pk == image.pk
    assert ModerationLogEntry.objects.filter(action="allow_image").count() == 2
