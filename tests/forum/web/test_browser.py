"""The demo thread in a real browser: Playwright driving Debian's Chromium."""

import pytest

from forum.threads.demo import demo_load
from forum.threads.models import Post
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
    text = page.locator("main").inner_text()
    # Every paragraph of the current revision, the update included, and both replies.
    for paragraph in opening.body_source.split("\n\n"):
        plain = paragraph.lstrip("> ").split("](")[0].strip("*[ ")
        if plain and not plain.startswith("---"):
            assert plain[:60] in text, paragraph[:80]
    for reply in replies:
        assert reply.body_source[:200] in text
    assert page.locator(".post").count() == 3
    assert dialogs == []
    page.screenshot(path=str(ARTIFACTS / "demo-thread.png"), full_page=True)
