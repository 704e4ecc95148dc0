"""The images API: one multipart upload answered with the Markdown to insert, read back
by its uploader; and the stored file served at its URL."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PillowImage
from rest_framework.test import APIClient

from forum.threads.models import Image

pytestmark = pytest.mark.django_db


def png(size=(64, 48), name="chart.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    PillowImage.new("RGB", size, "navy").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def api(member):
    client = APIClient()
    client.force_authenticate(member)
    return client


def test_an_upload_answers_with_the_image_and_its_markdown(api, member):
    response = api.post("/api/v1/images/", {"file": png(), "alt": "Troops"}, format="multipart")

    assert response.status_code == 201, response.content
    body = response.json()
    image = Image.objects.get(uploaded_by=member)
    assert body == {
        "id": image.pk,
        "url": image.url,
        "width": 64,
        "height": 48,
        "alt": "Troops",
        "markdown": f"![Troops]({image.url})",
    }
    assert api.get(f"/api/v1/images/{image.pk}/").json() == body


def test_json_is_not_how_an_image_is_sent(api):
    response = api.post("/api/v1/images/", {"file": "aGVsbG8="}, format="json")
    assert response.status_code == 415
    assert response.json()["error"]["code"]


def test_a_text_file_named_png_is_a_400_naming_the_file(api):
    fake = SimpleUploadedFile("chart.png", b"hello, world\n", content_type="image/png")

    response = api.post("/api/v1/images/", {"file": fake}, format="multipart")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "not_an_image"
    assert error["fields"]["file"]


def test_an_upload_with_no_file_or_an_unknown_field_is_a_400(api):
    assert api.post("/api/v1/images/", {}, format="multipart").status_code == 400
    unknown = api.post("/api/v1/images/", {"file": png(), "caption": "x"}, format="multipart")
    assert unknown.status_code == 400
    assert "caption" in unknown.json()["error"]["fields"]


def test_a_body_declared_larger_than_an_image_may_be_is_a_413(api, settings):
    settings.PARLEY = {**settings.PARLEY, "IMAGE_MAX_BYTES": 1000}
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"\x00" * 200_000, content_type="image/png")

    response = api.post("/api/v1/images/", {"file": big}, format="multipart")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_a_file_past_the_limit_is_dropped_as_it_arrives(api, settings):
    # The declared body fits (the overhead allowed for), the file itself does not.
    settings.FILE_UPLOAD_LIMIT = 1000
    response = api.post("/api/v1/images/", {"file": png((400, 400))}, format="multipart")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_large"
    assert not Image.objects.exists()


def test_another_members_image_is_not_found(api, other_member):
    client = APIClient()
    client.force_authenticate(other_member)
    image_id = client.post("/api/v1/images/", {"file": png()}, format="multipart").json()["id"]

    response = api.get(f"/api/v1/images/{image_id}/")
    missing = api.get("/api/v1/images/999999/")

    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()


def test_the_stored_file_is_served_at_its_url_for_a_year(api, client):
    url = api.post("/api/v1/images/", {"file": png()}, format="multipart").json()["url"]

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "immutable" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert PillowImage.open(io.BytesIO(b"".join(response.streaming_content))).size == (64, 48)
    assert client.get(url.replace(".png", ".webp")).status_code == 404
