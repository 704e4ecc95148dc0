"""The demo thread in a real browser: Playwright driving Debian's Chromium."""

import pytest

from forum.threads.demo import demo_load
from forum.threads.models import Post
from moderation.content import content_from_html
from tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_opens_the_demo_thread_from_home_and_reads_all_of_it(live_server, page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    thread = demo_load().thread
    opening = Post.objects.get(pk=thread.opening_post_id)
    replies = list(Post.objects.filter(thread=thread, position__gt=1).order_by("path"))

    page.goto(live_server.url + "/")
    page.get_by_role("link", name=thread.title).click()
    page.wait_for_url(f"**{thread.get_absolute_url()}")

    assert page.get_by_role("heading", level=1).inner_text() == thread.title
    text = " ".join(page.locator("main").inner_text().split())
    # The whole current revision, the update included, and both replies: every
    # paragraph of each post's stored HTML, word for word.
    for post in (opening, *replies):
        for paragraph in content_from_html(post.body_html).paragraphs:
            words = " ".join(paragraph.text.split())
            assert words in text, (post.pk, paragraph.index, words[:80])
    assert len(text) > len(opening.body_source) // 2
    assert page.locator(".post").count() == 3
    assert dialogs == []
    page.screenshot(path=str(ARTIFACTS / "demo-thread.png"), full_page=True)
