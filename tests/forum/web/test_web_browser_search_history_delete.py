"""Search from the header, delete your own post, and read a post's history, through a
real browser (Playwright driving Debian's Chromium)."""

import re

import pytest
from playwright.sync_api import expect

from forum.threads import services
from forum.threads.models import Post
from tests.browser import clean_slate, log_in  # noqa: F401
from tests.conftest import ARTIFACTS
from tests.factories import UserFactory, make_reply, make_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_from_the_header_box_and_land_on_the_post(
    live_server, page, category, console_errors
):
    author = UserFactory(username="birder", display_name="Bea Birder", trust_level=2)
    thread = make_thread(author=author, category=category, title="Coastal birds")
    make_reply(thread=thread, author=author, body="Nothing to see here.")
    target = make_reply(
        thread=thread,
        author=author,
        body='[quote="birder, post:1"]\nearlier\n[/quote]\n\nA **cormorant** dried its wings.',
    )

    page.goto(live_server.url + "/")
    page.get_by_role("searchbox", name="Search the forum").fill("cormorant")
    page.get_by_role("searchbox", name="Search the forum").press("Enter")

    page.wait_for_url(re.compile(r"/search/\?q=cormorant"))
    hit = page.locator(".hit").first
    assert hit.locator("mark").first.inner_text().lower() == "cormorant"
    snippet = hit.locator(".snippet").inner_text()
    assert "**" not in snippet and "[quote" not in snippet
    assert "Bea Birder (@birder)" in hit.inner_text()
    page.screenshot(path=str(ARTIFACTS / "web-search-results.png"), full_page=True)

    hit.get_by_role("link", name="Coastal birds").click()
    page.wait_for_url(re.compile(rf"/t/{thread.pk}/.*#post-{target.pk}$"))
    assert page.locator(f"#post-{target.pk} strong").inner_text() == "cormorant"
    assert console_errors == []


def test_delete_your_own_post_after_confirming(live_server, page, category, console_errors):
    member = UserFactory(username="regretful", trust_level=2)
    thread = make_thread(author=member, category=category, title="Second thoughts")
    reply = make_reply(thread=thread, author=member, body="Something I should not have said.")
    log_in(page, live_server, "regretful")

    page.goto(live_server.url + thread.get_absolute_url())
    page.locator(f"#post-{reply.pk}").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("heading", name="Delete this post?")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "web-delete-confirm.png"), full_page=True)
    page.get_by_role("button", name="Delete the post").click()

    page.wait_for_url(re.compile(rf"#post-{reply.pk}$"))
    assert page.get_by_text("The post is deleted.").is_visible()
    assert page.locator(f"#post-{reply.pk}").get_by_text("This post was deleted.").is_visible()
    assert "should not have said" not in page.content()
    assert Post.objects.get(pk=reply.pk).deleted_at is not None
    page.screenshot(path=str(ARTIFACTS / "web-delete-done.png"), full_page=True)
    assert console_errors == []


def test_open_the_history_and_see_the_paragraph_diff(live_server, page, category, console_errors):
    author = UserFactory(username="reviser", trust_level=2)
    thread = make_thread(author=author, category=category, title="Revised thinking")
    reply = make_reply(
        thread=thread, author=author, body="The opening claim.\n\nA weak second point."
    )
    services.post_edit(
        editor=author,
        post=reply,
        body="The opening claim.\n\nA **stronger** second point.",
        reason="sharpened the argument",
    )

    page.goto(live_server.url + thread.get_absolute_url())  # signed out: any reader
    page.locator(f"#post-{reply.pk}").get_by_role("link", name="edited (2 revisions)").click()

    page.wait_for_url(f"**/p/{reply.pk}/history/")
    diff = page.locator(".paragraph-diff").first
    assert diff.locator("del p").inner_text() == "A weak second point."
    assert diff.locator("ins p").inner_text() == "A stronger second point."
    assert diff.locator("ins strong").inner_text() == "stronger"
    assert page.get_by_text("reason: sharpened the argument").is_visible()
    page.screenshot(path=str(ARTIFACTS / "web-post-history-diff.png"), full_page=True)
    assert console_errors == []
