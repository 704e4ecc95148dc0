"""Taking part through a real browser (Playwright driving Debian's Chromium), with no
JavaScript of our own: every step is a link or a form."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from forum.threads.models import Post, PostState, Thread
from moderation.models import Report
from tests.browser import PASSWORD, clean_slate, log_in  # noqa: F401
from tests.conftest import ARTIFACTS
from tests.factories import ModeratorFactory, UserFactory, make_reply, make_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_confirm_and_start_a_thread_that_waits_for_approval(
    live_server, page, default_rules, category, console_errors
):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill("freshface")
    page.get_by_label("E-mail address").fill("fresh@example.test")
    page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_label("Password again").fill("a long enough passphrase")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    (message,) = mail.outbox
    link = urlsplit(re.search(r"https?://\S+/accounts/signup/confirm/\S+/", message.body)[0])
    page.goto(live_server.url + link.path)
    page.get_by_role("button", name="Confirm and log in").click()
    expect(page.get_by_text("Welcome to Parley, freshface.")).to_be_visible()

    page.get_by_role("link", name="General").click()
    page.get_by_role("link", name="New thread in General").click()
    assert page.get_by_label("Category").input_value() == "general"
    page.get_by_label("Title").fill("My first thread")
    page.get_by_label("Your post").fill("Hello, I am new here.")
    page.get_by_role("button", name="Post thread").click()

    thread = Thread.objects.get(title="My first thread")
    page.wait_for_url(f"**{thread.get_absolute_url()}")
    assert thread.state == PostState.PENDING
    meta = page.locator(f"#post-{thread.opening_post_id} .post-meta").inner_text()
    assert "Pending review" in meta and "new members wait for a moderator" in meta
    assert console_errors == []
    page.screenshot(path=str(ARTIFACTS / "web-signup-pending-thread.png"), full_page=True)


def test_member_replies_three_deep_edits_with_preview_sees_the_diff_and_reports(
    live_server, page, category, console_errors
):
    UserFactory(username="established", trust_level=2)
    writer = UserFactory(username="writer")
    thread = make_thread(
        author=writer,
        category=category,
        title="A long analysis",
        body="The opening claim.\n\nA paragraph that crosses the line.\n\nThe conclusion.",
    )
    first = make_reply(thread=thread, author=writer, body="Level one comment")
    second = make_reply(thread=thread, author=writer, parent=first, body="Level two comment")

    log_in(page, live_server, "established")
    page.get_by_role("link", name="A long analysis").click()
    page.locator(f"#post-{second.pk}").get_by_role("link", name="Reply").click()
    form = page.locator("#reply-form")
    assert "Replying to writer" in form.inner_text()
    form.get_by_label("Your reply").fill("A third-level reply")
    form.get_by_role("button", name="Post reply").click()

    reply = Post.objects.get(body_source="A third-level reply")
    assert (reply.parent_id, reply.depth) == (second.pk, 3)
    section = page.locator(f"#post-{reply.pk}")
    assert "depth-3" in section.get_attribute("class")

    # Edit: preview first, then save; the history shows the diff.
    section.get_by_role("link", name="Edit").click()
    page.get_by_label("Your post").fill("A third-level reply, **sharpened**")
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview")
    assert preview.locator("strong").inner_text() == "sharpened"
    assert Post.objects.get(pk=reply.pk).revision_count == 1
    page.get_by_label("Why you edited (optional)").fill("more precise")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("link", name="edited (2 revisions)").click()
    diff = page.locator(".paragraph-diff").first
    assert diff.locator("del p").inner_text() == "A third-level reply"
    assert diff.locator("ins p").inner_text() == "A third-level reply, sharpened"
    assert diff.locator("ins strong").inner_text() == "sharpened"

    # Report the second paragraph of the opening post.
    page.goto(live_server.url + thread.get_absolute_url())
    page.locator(f"#post-{thread.opening_post_id}").get_by_role(
        "link", name="Report", exact=True
    ).click()
    page.get_by_label("Abuse or harassment").check()
    page.get_by_label("Which part").select_option(value="1")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_text("moderators will look at your report")).to_be_visible()
    report = Report.objects.get()
    assert (report.reason, report.paragraph) == ("abuse", 1)
    assert console_errors == []
    page.screenshot(path=str(ARTIFACTS / "web-reply-edit-report.png"), full_page=True)


def test_moderator_approves_a_pending_post_from_the_thread_page(
    live_server, page, default_rules, category, console_errors
):
    ModeratorFactory(username="mod")
    thread = make_thread(author=UserFactory(username="regular"), category=category)
    pending = make_reply(
        thread=thread, author=UserFactory(username="novice", trust_level=0), body="Please approve"
    )
    assert pending.state == PostState.PENDING

    log_in(page, live_server, "mod")
    page.goto(live_server.url + thread.get_absolute_url())
    tools = page.get_by_role("form", name=f"Moderate post {pending.pk}")
    assert "Pending review" in tools.inner_text()
    tools.get_by_role("button", name="Approve").click()

    expect(page.get_by_text("Approve: done.")).to_be_visible()
    pending.refresh_from_db()
    assert pending.state == PostState.VISIBLE
    assert "Visible" in page.get_by_role("form", name=f"Moderate post {pending.pk}").inner_text()
    assert console_errors == []
    page.screenshot(path=str(ARTIFACTS / "web-moderator-approve.png"), full_page=True)


def test_login_throttle_and_kept_username_in_the_browser(live_server, page, fresh_throttles):
    # fresh_throttles counts failures in a day's window: the six log-ins take seconds,
    # and one of them would otherwise fall past a 15-minute window's end now and then.
    UserFactory(username="victim")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("victim")
    for _ in range(5):
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Log in").click()
        # The form comes back with the username kept.
        assert page.get_by_label("Username").input_value() == "victim"

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_text("Too many failed attempts")).to_be_visible()
    assert page.get_by_label("Username").input_value() == "victim"
    page.screenshot(path=str(ARTIFACTS / "web-login-throttled.png"), full_page=True)


def test_thread_page_fits_a_phone_screen(live_server, page, category):
    member = UserFactory(username="phone")
    thread = make_thread(author=member, category=category, title="Read on a phone")
    parent = thread.opening_post
    for depth in range(6):
        parent = make_reply(thread=thread, author=member, parent=parent, body=f"Depth {depth}")
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, live_server, "phone")

    page.goto(live_server.url + thread.get_absolute_url())

    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360
    # Keyboard: the skip link is the first stop and is visible when focused.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.screenshot(path=str(ARTIFACTS / "web-thread-phone.png"), full_page=True)
