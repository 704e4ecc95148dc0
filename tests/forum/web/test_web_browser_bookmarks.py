"""Bookmarks and profiles through a real browser (Playwright driving Debian's Chromium):
with JavaScript a bookmark is saved and marked in place, and the page marks the reader's
own after load; without it the same form posts and the bookmarks page shows the state;
the bookmarks page edits and removes; a profile lists a member's activity."""

import pytest

from forum.accounts.models import User
from forum.threads import bookmarks
from forum.threads.models import Bookmark
from forum.threads.services import reaction_add
from tests.browser import PASSWORD, clean_slate, log_in  # noqa: F401
from tests.conftest import ARTIFACTS, watch_console
from tests.factories import UserFactory, make_reply, make_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def discussion(category):
    bob = UserFactory(username="bob", password=PASSWORD)
    UserFactory(username="alice", password=PASSWORD)
    thread = make_thread(
        author=bob, category=category, title="Satellite imagery, read closely", body="Opening."
    )
    reply = make_reply(thread=thread, author=bob, body="The convoy is **three** brigades.")
    return thread, reply


def _bookmark(page, post):
    return page.locator(f'#post-{post.pk} details.bookmark[data-bookmark="post:{post.pk}"]')


def test_a_member_bookmarks_a_post_in_place_with_javascript(
    live_server, page, discussion, console_errors
):
    thread, reply = discussion
    log_in(page, live_server, "alice")
    page.goto(live_server.url + thread.get_absolute_url())
    address = page.url
    bookmark = _bookmark(page, reply)

    bookmark.locator("summary").click()
    bookmark.get_by_label("Note").fill("Compare with the March imagery")
    with page.expect_response(lambda r: r.url.endswith(f"/p/{reply.pk}/bookmark/")) as answer:
        bookmark.get_by_role("button", name="Save").click()
    assert answer.value.status == 200

    page.wait_for_function(
        "details => details.classList.contains('is-bookmarked')", arg=bookmark.element_handle()
    )
    assert bookmark.locator(".bookmark-label").inner_text() == "Bookmarked"
    assert page.url == address  # no page load: marked in place
    assert Bookmark.objects.get(post=reply).note == "Compare with the March imagery"
    page.screenshot(path=str(ARTIFACTS / "web-bookmark-javascript.png"), full_page=True)

    # Coming back, the shared page is marked for this reader after load, note and all.
    page.reload()
    page.wait_for_function(
        "details => details.classList.contains('is-bookmarked')", arg=bookmark.element_handle()
    )
    bookmark.locator("summary").click()
    assert bookmark.get_by_label("Note").input_value() == "Compare with the March imagery"
    with page.expect_response(lambda r: r.url.endswith(f"/p/{reply.pk}/bookmark/")):
        bookmark.get_by_role("button", name="Remove").click()
    page.wait_for_function(
        "details => !details.classList.contains('is-bookmarked')", arg=bookmark.element_handle()
    )
    assert bookmark.locator(".bookmark-label").inner_text() == "Bookmark"
    assert not Bookmark.objects.exists()
    assert console_errors == []


def test_the_readers_marks_arriving_late_never_wipe_a_note_being_written(
    live_server, page, discussion, console_errors
):
    thread, reply = discussion
    bookmarks.bookmark_save(user=User.objects.get(username="alice"), post=reply, note="Earlier")
    log_in(page, live_server, "alice")
    held = []
    # The answer saying which posts the reader saved is held back until the note is typed.
    page.route(f"**/t/{thread.pk}/{thread.slug}/bookmarks/", lambda route: held.append(route))
    with page.expect_request(lambda r: r.url.endswith(f"/{thread.slug}/bookmarks/")):
        page.goto(live_server.url + thread.get_absolute_url())
    bookmark = _bookmark(page, reply)
    bookmark.locator("summary").click()
    bookmark.get_by_label("Note").fill("Typed before the marks came")

    assert len(held) == 1
    held[0].continue_()
    # Marked as saved once the answer came, and what was typed is still there.
    page.wait_for_function(
        "details => details.classList.contains('is-bookmarked')", arg=bookmark.element_handle()
    )
    assert bookmark.get_by_label("Note").input_value() == "Typed before the marks came"
    with page.expect_response(lambda r: r.url.endswith(f"/p/{reply.pk}/bookmark/")):
        bookmark.get_by_role("button", name="Save").click()
    assert Bookmark.objects.get(post=reply).note == "Typed before the marks came"
    assert console_errors == []


def test_a_member_bookmarks_without_javascript_and_manages_the_list(
    live_server, new_context, discussion
):
    thread, reply = discussion
    page = new_context(java_script_enabled=False).new_page()
    errors = watch_console(page)
    log_in(page, live_server, "alice")
    page.goto(live_server.url + thread.get_absolute_url())

    # Without the script, a post's "Bookmark" is a link to its bookmark page.
    page.locator(f"#post-{reply.pk}").get_by_role("link", name="Bookmark").click()
    page.wait_for_url(f"**/p/{reply.pk}/bookmark/")
    assert page.get_by_text("The convoy is three brigades.").is_visible()
    page.get_by_label("Note").fill("Three, not two")
    page.screenshot(path=str(ARTIFACTS / "web-bookmark-post-page.png"), full_page=True)
    page.get_by_role("button", name="Save").click()

    page.wait_for_url(f"**{thread.get_absolute_url()}#post-{reply.pk}")
    assert page.get_by_text("Saved to your bookmarks.").is_visible()
    page.get_by_role("link", name="Bookmarks").click()
    page.wait_for_url("**/bookmarks/")
    entry = page.locator(".bookmark-entry").first
    assert entry.get_by_role("link", name="Satellite imagery, read closely").is_visible()
    assert entry.get_by_text("The convoy is three brigades.").is_visible()
    assert entry.get_by_text("Your note: Three, not two").is_visible()
    page.screenshot(path=str(ARTIFACTS / "web-bookmarks-page.png"), full_page=True)

    entry.get_by_label("Note").fill("Three brigades, confirmed")
    entry.get_by_role("button", name="Save note").click()
    page.wait_for_url("**/bookmarks/")
    assert page.get_by_text("Your note: Three brigades, confirmed").is_visible()

    page.locator(".bookmark-entry").first.get_by_role("button", name="Remove").click()
    page.wait_for_url("**/bookmarks/")
    assert page.get_by_text("Removed from your bookmarks.").is_visible()
    assert page.get_by_text("No bookmarks yet.").is_visible()
    assert not Bookmark.objects.exists()
    page.screenshot(path=str(ARTIFACTS / "web-bookmarks-removed.png"), full_page=True)
    assert errors == []


def test_a_profile_shows_a_members_activity(live_server, page, discussion, console_errors):
    _, reply = discussion
    alice = UserFactory(username="alice")
    reaction_add(user=alice, post=reply, kind="insightful")
    make_thread(author=reply.author, title="A second analysis", body="More *maps*.")
    log_in(page, live_server, "alice")

    page.goto(f"{live_server.url}/u/bob/")

    assert page.get_by_role("heading", name="bob").is_visible()
    assert page.get_by_text("2 threads · 1 reply").is_visible()
    activity = page.locator(".activity-list")
    assert activity.get_by_role("link", name="A second analysis").is_visible()
    assert activity.get_by_text("More maps.").is_visible()
    assert page.get_by_text("trust level").count() == 0
    page.get_by_role("link", name="Replies").click()
    page.wait_for_url("**/u/bob/?show=replies")
    assert activity.get_by_text("The convoy is three brigades.").is_visible()
    page.screenshot(path=str(ARTIFACTS / "web-profile-activity.png"), full_page=True)

    activity.get_by_role("link", name="Satellite imagery, read closely").click()
    page.wait_for_url(f"**#post-{reply.pk}")
    assert console_errors == []
