"""Images from the composer without JavaScript: "Upload image" brings the form back as it
was, with the image's Markdown at the end of the text; nothing is posted."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PillowImage

from forum.threads.models import Image, Post, Thread
from tests.factories import UserFactory, make_thread

pytestmark = pytest.mark.django_db


def png(name="chart.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    PillowImage.new("RGB", (30, 20), "orange").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_the_new_thread_form_keeps_the_text_and_adds_the_image(client, member, category):
    client.force_login(member)

    response = client.post(
        "/new/",
        {
            "category": category.slug,
            "title": "Rainfall",
            "body": "See the chart.",
            "image": png("rain_chart.png"),
            "upload_image": "1",
        },
    )

    image = Image.objects.get(uploaded_by=member)
    assert response.status_code == 200
    assert not Thread.objects.exists()
    html = response.text
    assert f"See the chart.\n\n![rain chart]({image.url})\n</textarea>" in html
    assert 'value="Rainfall"' in html
    assert f'<option value="{category.slug}" selected>' in html
    assert 'enctype="multipart/form-data"' in html


def test_a_reply_form_upload_stays_on_the_thread_with_the_image_added(client, member):
    thread = make_thread(author=member)
    client.force_login(member)

    response = client.post(
        thread.get_absolute_url(), {"body": "", "image": png(), "upload_image": "1"}
    )

    image = Image.objects.get(uploaded_by=member)
    assert response.status_code == 200
    assert Post.objects.count() == 1
    assert f"![chart]({image.url})\n</textarea>" in response.text


def test_the_edit_form_adds_the_image_and_the_post_then_shows_it(client, member):
    thread = make_thread(author=member, body="Old text.")
    post = thread.opening_post
    client.force_login(member)

    upload = client.post(
        f"/p/{post.pk}/edit/",
        {"title": thread.title, "body": "New text.", "image": png(), "upload_image": "1"},
    )
    image = Image.objects.get(uploaded_by=member)
    body = f"New text.\n\n![chart]({image.url})\n"
    saved = client.post(f"/p/{post.pk}/edit/", {"title": thread.title, "body": body})

    assert upload.status_code == 200
    assert saved.status_code == 302
    post.refresh_from_db()
    assert f'<img src="{image.url}" alt="chart" width="30" height="20"' in post.body_html


def test_a_refused_upload_is_said_next_to_the_file_input_and_the_text_kept(client, member):
    client.force_login(member)
    text = SimpleUploadedFile("chart.png", b"not an image", content_type="image/png")

    response = client.post(
        "/new/", {"title": "Kept", "body": "Kept text.", "image": text, "upload_image": "1"}
    )

    assert response.status_code == 400
    assert 'id="thread-image-error"' in response.text
    assert "not an image the forum can show" in response.text
    assert "Kept text.</textarea>" in response.text
    assert not Image.objects.exists()


def test_the_upload_button_is_offered_only_to_who_may_upload(client, category):
    newcomer = UserFactory(trust_level=0)
    trusted = UserFactory(trust_level=2)

    client.force_login(newcomer)
    assert 'name="upload_image"' not in client.get("/new/").text
    client.force_login(trusted)
    assert 'name="upload_image"' in client.get("/new/").text
