"""Images in posts through a real browser (Playwright driving Debian's Chromium): a
member uploads a chart from the reply form and sees it in their reply at its size; a
moderator sees it on the review queue's item page and denies it from the admin."""

import io
import re

import pytest
from PIL import Image as PillowImage
from PIL import ImageDraw
from playwright.sync_api import expect

from forum.threads.models import Image, Post
from moderation import services as moderation_services
from moderation.models import DeniedImage, ModerationLogEntry, ReviewItem
from tests.browser import clean_slate, log_in  # noqa: F401
from tests.conftest import ARTIFACTS
from tests.factories import make_thread
from tests.moderation.test_admin_browser import admin_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def chart_png() -> bytes:
    """A small bar chart."""
    chart = PillowImage.new("RGB", (320, 200), "white")
    draw = ImageDraw.Draw(chart)
    for n, height in enumerate((60, 120, 90, 170)):
        draw.rectangle((30 + n * 70, 190 - height, 80 + n * 70, 190), fill=(40, 90, 160))
    draw.line((20, 190, 310, 190), fill="black", width=2)
    buffer = io.BytesIO()
    chart.save(buffer, format="PNG")
    return buffer.getvalue()


def shown_size(image) -> tuple[int, int]:
    """The picture's own size as the browser decoded it: 0 x 0 if it did not load."""
    return tuple(image.evaluate("img => [img.naturalWidth, img.naturalHeight]"))


def test_a_member_uploads_a_chart_in_a_reply_and_a_moderator_sees_and_denies_it(
    live_server, new_context, member, moderator, console_errors, page
):
    thread = make_thread(author=member, title="Rainfall by season")
    log_in(page, live_server, member.username)
    page.goto(live_server.url + thread.get_absolute_url())

    form = page.locator("#reply-form")
    form.get_by_label("Your reply").fill("The wet season, in one chart:")
    form.get_by_label(re.compile("Add an image")).set_input_files(
        {"name": "rainfall_by_season.png", "mimeType": "image/png", "buffer": chart_png()}
    )
    form.get_by_role("button", name="Upload image").click()
    expect(form.locator(".image-upload-status")).to_contain_text("320 × 200")
    body = form.get_by_label("Your reply").input_value()
    image = Image.objects.get(uploaded_by=member)
    assert body == f"The wet season, in one chart:\n\n![rainfall by season]({image.url})\n"
    page.screenshot(path=str(ARTIFACTS / "images-reply-uploaded.png"), full_page=True)

    form.get_by_role("button", name="Post reply").click()
    reply = Post.objects.get(thread=thread, parent__isnull=False)
    shown = page.locator(f"#post-{reply.pk} img")
    expect(shown).to_have_attribute("src", image.url)
    expect(shown).to_have_attribute("width", "320")
    expect(shown).to_have_attribute("height", "200")
    expect(shown).to_have_attribute("alt", "rainfall by season")
    expect(shown).to_have_attribute("loading", "lazy")
    shown.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=shown.element_handle()
    )
    assert shown_size(shown) == (320, 200)
    page.screenshot(path=str(ARTIFACTS / "images-reply-shown.png"), full_page=True)
    assert console_errors == []

    # A report puts the reply in the review queue; the moderator sees the image there.
    item = moderation_services.review_item_open(post=reply, reason=ReviewItem.Reason.REPORTS)
    moderator_page = new_context().new_page()
    admin_log_in(moderator_page, live_server, moderator.username)
    moderator_page.goto(f"{live_server.url}/admin/moderation/reviewitem/{item.pk}/change/")
    in_queue = moderator_page.locator(".parley-post-body img")
    expect(in_queue).to_have_attribute("width", "320")
    moderator_page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=in_queue.element_handle()
    )
    assert shown_size(in_queue) == (320, 200)
    moderator_page.screenshot(path=str(ARTIFACTS / "images-queue-item.png"), full_page=True)

    moderator_page.goto(f"{live_server.url}/admin/moderation/uploadedimage/")
    row = moderator_page.locator("#result_list tbody tr").first
    expect(row).to_contain_text("rainfall by season")
    row.locator("input.action-select").check()
    moderator_page.locator("select[name=action]").select_option("deny_images")
    moderator_page.get_by_role("button", name="Go").click()
    expect(moderator_page.locator(".messagelist")).to_contain_text("Images denied: 1")
    moderator_page.screenshot(path=str(ARTIFACTS / "images-denied.png"), full_page=True)

    assert set(DeniedImage.objects.values_list("sha256", flat=True)) == {
        image.sha256,
        image.original_sha256,
    }
    assert ModerationLogEntry.objects.filter(
        action="deny_image", actor=moderator, target_id=image.pk
    ).exists()
    # Taken down: the reply's image no longer loads.
    assert page.request.get(live_server.url + image.url).status == 404
