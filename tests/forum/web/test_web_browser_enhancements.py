"""The web UI's script in a real browser (Playwright driving Debian's Chromium): quoting
a selected passage, the per-paragraph report flags numbered as the server numbers
paragraphs, and a notification reaching another member through the real worker."""

import re

import pytest
from playwright.sync_api import expect

from forum.notifications.models import Notification
from forum.threads.models import Post
from moderation.content import content_from_html
from moderation.models import Report
from tests.browser import PASSWORD, clean_slate, log_in  # noqa: F401
from tests.conftest import ARTIFACTS, watch_console
from tests.factories import UserFactory, make_reply, make_thread
from tests.workers import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


ANALYSIS = (
    "The opening claim, stated plainly.\n\n"
    "A middle paragraph whose second sentence is the one worth quoting. It says that "
    "reading order matters more than recency.\n\n"
    "The conclusion."
)


def select_passage(page, selector: str, passage: str) -> None:
    """Select `passage` inside the first text node of `selector` that holds it, as a
    reader dragging the mouse over it would."""
    page.evaluate(
        """([selector, passage]) => {
            const root = document.querySelector(selector);
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            while (walker.nextNode()) {
                const node = walker.currentNode, at = node.data.indexOf(passage);
                if (at < 0) continue;
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + passage.length);
                const selection = window.getSelection();
                selection.removeAllRanges();
                selection.addRange(range);
                return;
            }
            throw new Error("passage not found");
        }""",
        [selector, passage],
    )


def test_quote_reply_of_a_selected_passage(live_server, page, category):
    writer = UserFactory(username="writer")
    UserFactory(username="reader")
    thread = make_thread(author=writer, category=category, title="On reading", body=ANALYSIS)
    comment = make_reply(thread=thread, author=writer, body="A comment with a quotable line.")
    errors = watch_console(page)
    log_in(page, live_server, "reader")
    page.goto(live_server.url + thread.get_absolute_url())
    quote_button = page.get_by_role("button", name="Quote the selected text in a reply")
    assert quote_button.is_hidden()

    # From the opening post: the thread's own reply form takes the quote in place.
    passage = "It says that reading order matters more than recency."
    select_passage(page, f"#post-{thread.opening_post_id} .post-body", passage)
    quote_button.click()

    field = page.get_by_label("Your reply")
    expected = f'[quote="writer, post:{thread.opening_post_id}"]\n{passage}\n[/quote]\n\n'
    assert field.input_value() == expected
    assert page.evaluate("document.activeElement.id") == "id_body"
    field.press("End")
    field.type("Agreed: recency is a poor guide.")
    page.get_by_role("button", name="Post reply").click()

    reply = Post.objects.get(body_source__endswith="Agreed: recency is a poor guide.")
    assert reply.quoted_post_ids == [thread.opening_post_id]
    assert reply.parent_id == thread.opening_post_id
    shown = page.locator(f"#post-{reply.pk} blockquote")
    assert passage in shown.inner_text() and "@writer" in shown.inner_text()

    # From a comment: its reply form is not open yet, so the page for it opens with
    # the quote already in the form.
    select_passage(page, f"#post-{comment.pk} .post-body", "a quotable line")
    quote_button.click()
    page.wait_for_url(f"**reply_to={comment.pk}*")
    form = page.locator("#reply-form")
    assert "Replying to writer" in form.inner_text()
    assert form.get_by_label("Your reply").input_value() == (
        f'[quote="writer, post:{comment.pk}"]\na quotable line\n[/quote]\n\n'
    )
    # Selecting outside a post offers nothing.
    select_passage(page, "h1", "On reading")
    page.wait_for_timeout(300)
    assert page.get_by_role("button", name="Quote the selected text in a reply").is_hidden()
    assert errors == []
    page.screenshot(path=str(ARTIFACTS / "web-quote-selection.png"), full_page=True)


RICH_POST = """# A heading

A paragraph with a [link](https://example.org/) and *emphasis*.

- a tight item
- an item with a sub-list
  - the nested item
- last item

> A plain block quote
> over two lines.

| left | right |
| --- | --- |
| cell one | cell two |

```
code block line
```

1. first

   second paragraph of the first item
2. next

Closing paragraph."""


def test_report_flags_number_paragraphs_as_the_server_does(live_server, page, category):
    writer = UserFactory(username="writer")
    UserFactory(username="reader")
    thread = make_thread(author=writer, category=category, title="Rich", body=RICH_POST)
    opening = Post.objects.get(pk=thread.opening_post_id)
    server = {
        p.index: " ".join(p.text.split()) for p in content_from_html(opening.body_html).paragraphs
    }
    errors = watch_console(page)
    log_in(page, live_server, "reader")

    page.goto(live_server.url + thread.get_absolute_url())

    # Each flag's paragraph: the block it sits in (or the code block it follows), less
    # any blocks nested in it, as the server counts a list item's own text.
    flags = page.evaluate(
        """(id) => [...document.querySelectorAll(`#post-${id} .paragraph-report`)].map(a => {
            const index = Number(new URL(a.href).searchParams.get("paragraph"));
            const after = a.previousElementSibling;
            const block = after && after.tagName === "PRE" ? after : a.parentElement;
            const copy = block.cloneNode(true);
            copy.querySelectorAll(
                "p, ul, ol, li, blockquote, pre, table, h1, h2, h3, h4, h5, h6, .paragraph-report"
            ).forEach(n => n.remove());
            return [index, copy.textContent.split(/\\s+/).join(" ").trim()];
        })""",
        thread.opening_post_id,
    )

    numbered = {index: text for index, text in flags}
    assert len(flags) == len(numbered)  # one flag per paragraph
    assert numbered == {index: text.strip() for index, text in server.items() if text.strip()}
    assert errors == []
    page.screenshot(path=str(ARTIFACTS / "web-paragraph-flags.png"), full_page=True)


def test_report_one_paragraph_from_its_flag(live_server, page, category):
    writer = UserFactory(username="writer")
    UserFactory(username="reader")
    thread = make_thread(author=writer, category=category, title="Reportable", body=ANALYSIS)
    errors = watch_console(page)
    # Visitors get no flags, nor does the author on their own post.
    page.goto(live_server.url + thread.get_absolute_url())
    assert page.locator(".paragraph-report").count() == 0
    log_in(page, live_server, "writer")
    page.goto(live_server.url + thread.get_absolute_url())
    assert page.locator(".paragraph-report").count() == 0
    page.get_by_role("button", name="Log out").click()
    log_in(page, live_server, "reader")
    page.goto(live_server.url + thread.get_absolute_url())

    body = page.locator(f"#post-{thread.opening_post_id} .post-body")
    body.locator("p").nth(1).hover()
    body.get_by_role("link", name="Report paragraph 2").click()

    page.wait_for_url(f"**/p/{thread.opening_post_id}/report/?paragraph=1")
    assert page.get_by_label("Which part").input_value() == "1"
    page.get_by_label("Spam").check()
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_text("moderators will look at your report")).to_be_visible()
    report = Report.objects.get()
    assert (report.reason, report.paragraph) == ("spam", 1)
    assert errors == []
    page.screenshot(path=str(ARTIFACTS / "web-report-paragraph-flag.png"), full_page=True)


@pytest.mark.integration
def test_a_reply_reaches_the_other_members_badge_and_notifications_page(
    live_server, new_context, category, celery_worker_process
):
    bea = UserFactory(username="bea")
    UserFactory(username="alex")
    thread = make_thread(author=bea, category=category, title="Bea's analysis", body=ANALYSIS)

    bea_page = new_context().new_page()
    alex_page = new_context().new_page()
    errors = watch_console(bea_page) + watch_console(alex_page)
    log_in(bea_page, live_server, "bea")
    assert bea_page.locator(".badge").count() == 0

    log_in(alex_page, live_server, "alex")
    alex_page.goto(live_server.url + thread.get_absolute_url())
    alex_page.get_by_label("Your reply").fill("@bea this changed how I read the thread.")
    alex_page.get_by_role("button", name="Post reply").click()
    reply = Post.objects.get(body_source__startswith="@bea this changed")

    # The fan-out runs in the worker process; Bea's next page shows what it wrote.
    wait_for(lambda: Notification.objects.filter(recipient=bea, read_at__isnull=True).exists())

    def badge_shows_one():
        bea_page.reload()
        badge = bea_page.locator(".badge")
        return badge.count() == 1 and badge.inner_text() == "1"

    wait_for(badge_shows_one, timeout=20)
    bea_page.get_by_role("link", name=re.compile("^Notifications")).click()
    item = bea_page.locator(".notification-list li.unread")
    assert item.count() == 1 and "alex" in item.inner_text()
    item.get_by_role("link").click()
    bea_page.wait_for_url(f"**#post-{reply.pk}")
    assert bea_page.locator(f"#post-{reply.pk}").is_visible()
    # Opening it read it: the badge is gone.
    assert bea_page.locator(".badge").count() == 0
    assert errors == []
    bea_page.screenshot(path=str(ARTIFACTS / "web-notification-arrives.png"), full_page=True)


UNLABELLED_FIELDS = """() => [...document.querySelectorAll("input, select, textarea, button")]
    .filter(el => el.type !== "hidden" && el.offsetParent !== null)
    .filter(el => {
        const name = el.getAttribute("aria-label") || (el.labels && el.labels.length)
            || (el.tagName === "BUTTON" && el.textContent.trim());
        return !name;
    })
    .map(el => el.outerHTML.slice(0, 120))"""


def test_pages_are_labelled_fit_a_phone_show_focus_and_print_plainly(
    live_server, page, category, moderator
):
    writer = UserFactory(username="writer")
    thread = make_thread(author=writer, category=category, title="Portable", body=RICH_POST)
    make_reply(thread=thread, author=writer, body="A reply with a https://example.org/ link.")
    errors = watch_console(page)
    log_in(page, live_server, moderator.username)
    page.goto(f"{live_server.url}/accounts/settings/")
    page.get_by_label("Token name").fill("phone script")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("heading", name="Your new API token")).to_be_visible()

    page.set_viewport_size({"width": 360, "height": 740})
    for path in (
        thread.get_absolute_url(),
        "/new/",
        "/accounts/settings/",
        f"/p/{thread.opening_post_id}/report/",
        f"/p/{thread.opening_post_id}/edit/",
        "/notifications/",
    ):
        page.goto(live_server.url + path)
        assert page.evaluate(UNLABELLED_FIELDS) == [], path
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path

    # Keyboard: focus is always visible.
    page.goto(live_server.url + thread.get_absolute_url())
    for _ in range(4):
        page.keyboard.press("Tab")
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline not in ("", "none"), page.evaluate("document.activeElement.outerHTML")

    # Print: the text and who wrote it, no controls, link addresses spelled out.
    page.set_viewport_size({"width": 800, "height": 1000})
    page.emulate_media(media="print")
    for hidden in (".site-header", ".post-actions", ".mod-tools", ".reply-form", ".thread-tools"):
        assert page.locator(hidden).first.is_hidden(), hidden
    assert page.locator(".post-body").first.is_visible()
    after = page.evaluate(
        """() => getComputedStyle(
            document.querySelector('.post-body a[href^="https://example.org"]'), '::after'
        ).content"""
    )
    assert "https://example.org/" in after
    assert errors == []
    page.screenshot(path=str(ARTIFACTS / "web-thread-print.png"), full_page=True)


def test_a_reply_written_as_the_session_ended_survives_logging_in_again(
    live_server, page, category
):
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.contrib.sessions.models import Session

    writer = UserFactory(username="writer")
    UserFactory(username="reader")
    thread = make_thread(author=writer, category=category, title="Long read", body=ANALYSIS)
    errors = watch_console(page)
    log_in(page, live_server, "reader")
    page.goto(live_server.url + thread.get_absolute_url())
    page.get_by_label("Your reply").fill("Words I would hate to lose.")

    # The session ends while the reader is writing: gone from the cache it is read from
    # and from the database behind it.
    for key in Session.objects.values_list("session_key", flat=True):
        SessionStore(session_key=key).delete()
    page.get_by_role("button", name="Post reply").click()

    page.wait_for_url(re.compile(r"/accounts/login/\?next="))
    assert page.get_by_text("what you wrote will be waiting in the form").is_visible()
    page.get_by_label("Username").fill("reader")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{thread.get_absolute_url()}")
    assert page.get_by_label("Your reply").input_value() == "Words I would hate to lose."
    page.get_by_role("button", name="Post reply").click()

    reply = Post.objects.get(body_source="Words I would hate to lose.")
    page.wait_for_url(f"**#post-{reply.pk}")
    assert page.locator(f"#post-{reply.pk}").is_visible()
    assert errors == []
    page.screenshot(path=str(ARTIFACTS / "web-draft-survives-lost-session.png"), full_page=True)
