"""Drafts and long-form writing in a real browser (Playwright driving Debian's Chromium):
a reply typed on one device is saved as the member types and waits in the form on
another; a post with footnotes is previewed, posted, and its notes link both ways."""

import re

import pytest

from forum.threads.drafts import selectors, services
from forum.threads.models import Post
from tests.browser import PASSWORD, clean_slate, log_in  # noqa: F401
from tests.conftest import ARTIFACTS
from tests.factories import UserFactory, make_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANALYSIS = """The convoy is three brigades[^count], not two.

It moved at night^[Thermal imagery, 02:00 local time.].

[^count]: Counted from the vehicle parks, see the second image.
"""


@pytest.fixture
def thread(category):
    writer = UserFactory(username="writer", password=PASSWORD)
    UserFactory(username="alice", password=PASSWORD)
    return make_thread(author=writer, category=category, title="Rail traffic, read closely")


def _add_and_leave(page, box, text: str):
    """Type `text` at the end of `box` and leave it: the answer to the save carrying it."""
    box.click()
    box.press("Control+End")
    box.press_sequentially(text, delay=15)
    with page.expect_response(
        lambda r: r.request.method == "PUT" and text in (r.request.post_data or ""),
        timeout=15000,
    ) as saved:
        box.blur()
    return saved.value


def test_a_reply_typed_on_one_device_waits_on_another(
    live_server, page, new_context, thread, console_errors
):
    log_in(page, live_server, "alice")
    page.goto(live_server.url + thread.get_absolute_url())
    box = page.locator("#reply-form textarea[name=body]")
    status = page.locator("#reply-form [data-draft-status]")
    box.click()
    # No blur, no button: the pause after the last keystroke is what saves it.
    with page.expect_response(
        lambda r: (
            r.request.method == "PUT"
            and "Begun on the laptop: the brigades" in (r.request.post_data or "")
        ),
        timeout=15000,
    ) as saved:
        box.press_sequentially("Begun on the laptop: the brigades", delay=15)
    assert saved.value.status == 200

    page.wait_for_function(
        "el => /^Draft saved \\d/.test(el.textContent)", arg=status.element_handle()
    )
    assert page.locator("#reply-form [data-draft-discard]").is_visible()
    page.screenshot(path=str(ARTIFACTS / "web-draft-saved.png"), full_page=True)

    phone = new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(phone, live_server, "alice")
    phone.goto(live_server.url + thread.get_absolute_url())
    restored = phone.locator("#reply-form textarea[name=body]")
    assert restored.input_value() == "Begun on the laptop: the brigades"
    assert re.match(
        r"Draft saved \d", phone.locator("#reply-form [data-draft-status]").inner_text()
    )
    phone.screenshot(path=str(ARTIFACTS / "web-draft-restored-other-device.png"), full_page=True)

    # The phone carries on; the laptop's copy is now the older one and is not saved over.
    assert _add_and_leave(phone, restored, " moved at night").status == 200
    box.press("Control+End")
    box.press_sequentially(" (laptop)", delay=15)
    box.blur()
    page.wait_for_function(
        "el => el.textContent.startsWith('Not saved:')", arg=status.element_handle(), timeout=15000
    )
    assert "another device" in status.inner_text()
    alice = type(thread.author).objects.get(username="alice")
    draft = selectors.draft_get(user=alice, thread=thread)
    assert draft.body == "Begun on the laptop: the brigades moved at night"
    page.screenshot(path=str(ARTIFACTS / "web-draft-newer-elsewhere.png"), full_page=True)

    # Posting from the phone publishes the reply and deletes the draft.
    phone.get_by_role("button", name="Post reply").click()
    phone.wait_for_load_state()
    assert Post.objects.filter(body_source__endswith="moved at night").exists()
    assert selectors.draft_get(user=alice, thread=thread) is None
    # The browser logs the laptop's refused save; nothing else went wrong.
    assert [error for error in console_errors if "409 (Conflict)" not in error] == []


def test_a_reply_with_footnotes_is_previewed_then_posted(live_server, page, thread, console_errors):
    log_in(page, live_server, "alice")
    page.goto(live_server.url + thread.get_absolute_url())
    page.locator("#reply-form textarea[name=body]").fill(ANALYSIS)

    page.locator("#reply-form").get_by_role("button", name="Preview").click()
    page.wait_for_load_state()

    preview = page.locator("#reply-form .preview")
    assert preview.is_visible()
    assert preview.locator("sup.footnote-ref a").count() == 2
    assert preview.locator("section.footnotes li.footnote-item").count() == 2
    assert page.locator("#reply-form textarea[name=body]").input_value() == ANALYSIS
    page.screenshot(path=str(ARTIFACTS / "web-reply-footnotes-preview.png"), full_page=True)

    page.get_by_role("button", name="Post reply").click()
    page.wait_for_load_state()
    post = Post.objects.get(body_source__startswith="The convoy is three brigades")
    body = page.locator(f"#post-{post.pk} .post-body")
    body.locator("sup.footnote-ref a").first.click()
    note = body.locator("li.footnote-item").first
    assert page.evaluate("location.hash") == f"#{note.get_attribute('id')}"
    note.locator("a.footnote-backref").first.click()
    assert page.evaluate("location.hash").startswith("#fnref-")
    page.screenshot(path=str(ARTIFACTS / "web-reply-footnotes-posted.png"), full_page=True)
    assert console_errors == []


def test_a_new_thread_draft_is_kept_as_it_is_typed_and_can_be_discarded(
    live_server, page, thread, console_errors
):
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/new/")
    page.get_by_label("Category").select_option(thread.category.slug)
    page.get_by_label("Title").fill("Rail traffic at Tumangang")
    body = page.locator("textarea[name=body]")
    body.press_sequentially("## 1. Sources", delay=15)
    # The title alone may have been saved first; the body follows within seconds.
    with page.expect_response(
        lambda r: (
            r.url.endswith("/api/v1/drafts/new-thread/")
            and r.request.method == "PUT"
            and "## 1. Sources" in (r.request.post_data or "")
        ),
        timeout=15000,
    ) as saved:
        body.blur()
    assert saved.value.status == 200
    status = page.locator("[data-draft-status]")
    page.wait_for_function(
        "el => /^Draft saved \\d/.test(el.textContent)", arg=status.element_handle()
    )
    page.screenshot(path=str(ARTIFACTS / "web-new-thread-draft.png"), full_page=True)

    page.reload()
    assert page.get_by_label("Title").input_value() == "Rail traffic at Tumangang"
    assert page.locator("textarea[name=body]").input_value() == "## 1. Sources"
    assert page.get_by_label("Category").input_value() == thread.category.slug

    page.get_by_role("button", name="Discard draft").click()
    page.wait_for_load_state()
    assert page.get_by_label("Title").input_value() == ""
    assert page.locator("textarea[name=body]").input_value() == ""
    assert page.get_by_role("button", name="Discard draft").is_hidden()
    assert console_errors == []


def test_a_draft_posted_on_one_device_is_not_brought_back_by_another(
    live_server, page, new_context, thread, console_errors
):
    alice = type(thread.author).objects.get(username="alice")
    services.draft_save(user=alice, thread=thread, body="Nearly done")
    log_in(page, live_server, "alice")
    page.goto(live_server.url + thread.get_absolute_url())
    phone = new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(phone, live_server, "alice")
    phone.goto(live_server.url + thread.get_absolute_url())

    # The phone posts the reply; the laptop's tab is still open on the draft.
    phone.get_by_role("button", name="Post reply").click()
    phone.wait_for_load_state()
    assert selectors.draft_get(user=alice, thread=thread) is None

    box = page.locator("#reply-form textarea[name=body]")
    status = page.locator("#reply-form [data-draft-status]")
    assert _add_and_leave(page, box, ", and sent").status == 409
    page.wait_for_function(
        "el => el.textContent.startsWith('Not saved:')", arg=status.element_handle(), timeout=15000
    )
    assert status.inner_text() == "Not saved: posted or discarded elsewhere"
    assert not page.locator("#reply-form [data-draft-discard]").is_visible()
    page.screenshot(path=str(ARTIFACTS / "web-draft-posted-elsewhere.png"), full_page=True)

    # Saving stopped: more typing sends nothing, and no draft comes back.
    sent = []
    page.on("request", lambda r: sent.append(r.method) if "/drafts/" in r.url else None)
    box.press_sequentially(" again", delay=15)
    box.blur()
    page.wait_for_timeout(6000)  # past the quiet time and the interval between saves
    assert sent == []
    assert selectors.draft_get(user=alice, thread=thread) is None
    assert [error for error in console_errors if "409 (Conflict)" not in error] == []


def test_preview_after_the_composer_saved_keeps_the_text_as_the_draft(
    live_server, page, thread, console_errors
):
    """Preview sends the updated_at of the copy the composer last saved, not the one the
    page was loaded with, so the member's own newer save is no conflict."""
    alice = type(thread.author).objects.get(username="alice")
    services.draft_save(user=alice, thread=thread, body="Begun")
    log_in(page, live_server, "alice")
    page.goto(live_server.url + thread.get_absolute_url())
    box = page.locator("#reply-form textarea[name=body]")
    box.click()
    box.press("Control+End")
    with page.expect_response(
        lambda r: r.request.method == "PUT" and "Begun, then" in (r.request.post_data or ""),
        timeout=15000,
    ) as saved:
        box.press_sequentially(", then", delay=15)
    assert saved.value.status == 200

    box.press_sequentially(" previewed", delay=15)
    page.locator("#reply-form").get_by_role("button", name="Preview").click()
    page.wait_for_load_state()

    assert page.locator("#reply-form .preview").is_visible()
    assert "not kept" not in page.content()
    assert selectors.draft_get(user=alice, thread=thread).body == "Begun, then previewed"
    assert page.locator("#reply-form [data-draft-discard]").is_visible()
    assert console_errors == []
