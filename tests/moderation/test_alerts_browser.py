"""Moderators' alerts and a silenced member's view in a real browser (Playwright driving
Debian's Chromium)."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from moderation import pipeline, services
from tests.browser import PASSWORD, clean_slate, log_in  # noqa: F401
from tests.conftest import ARTIFACTS, watch_console
from tests.factories import UserFactory, make_reply, make_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def console_errors(page):
    return watch_console(page, ignore_favicon=True)


def test_a_held_post_raises_the_count_in_another_moderators_admin_without_a_reload(
    live_server, page, settings, default_rules, moderator, member, console_errors
):
    settings.PARLEY = {**settings.PARLEY, "QUEUE_POLL_SECONDS": 1}
    thread = make_thread(author=member, title="Winter sowing")
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill(moderator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    badge = page.locator("#header [data-open-work-count]")
    expect(badge).to_be_hidden()
    page.evaluate("window.loadedOnce = true")

    newcomer = UserFactory(username="newcomer", trust_level=0, post_count=0)
    held = make_reply(thread=thread, author=newcomer, body="Sow the onions in January.")
    held.refresh_from_db()
    pipeline.revision_check(revision_id=held.current_revision_id)

    expect(badge).to_have_text("1", timeout=5000)
    expect(badge).to_be_visible()
    # The same page, not a reload.
    assert page.evaluate("window.loadedOnce") is True
    page.screenshot(path=str(ARTIFACTS / "admin-open-work-count.png"))
    assert console_errors == []


def test_the_web_header_count_follows_a_claim_by_another_moderator(
    live_server, page, settings, default_rules, moderator, member, console_errors
):
    settings.PARLEY = {**settings.PARLEY, "QUEUE_POLL_SECONDS": 1}
    thread = make_thread(author=member, title="Winter sowing")
    held = make_reply(thread=thread, author=UserFactory(trust_level=0, post_count=0))
    held.refresh_from_db()
    pipeline.revision_check(revision_id=held.current_revision_id)
    log_in(page, live_server, moderator.username)
    badge = page.locator(".site-header [data-open-work-count]")
    expect(badge).to_have_text("1")

    other = UserFactory(username="other_mod", role="moderator", is_staff=True)
    services.review_item_claim(moderator=other, item=held.review_items.get())

    expect(badge).to_be_hidden(timeout=5000)
    page.screenshot(path=str(ARTIFACTS / "web-open-work-claimed.png"))


def test_a_silenced_member_is_told_why_and_offered_no_form_they_cannot_use(
    live_server, page, moderator, member, console_errors
):
    thread = make_thread(author=member, title="Chess openings")
    other_post = make_reply(thread=thread, author=UserFactory(username="rival"))
    own_post = make_reply(thread=thread, author=member, body="The Sicilian, always.")
    ends = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    services.sanction_impose(
        actor=moderator,
        user=member,
        kind="silence",
        reason="Insults in the chess thread",
        ends_at=ends,
    )

    log_in(page, live_server, member.username)
    banner = page.locator("#standing-notice")
    expect(banner).to_contain_text("Your account is silenced until")
    expect(banner).to_contain_text("Insults in the chess thread")
    expect(banner.get_by_role("link", name="Appeal this decision")).to_be_visible()
    expect(page.get_by_role("link", name="New thread")).to_have_count(0)

    page.goto(f"{live_server.url}{thread.get_absolute_url()}")
    expect(banner).to_be_visible()
    expect(page.locator("#reply-form")).to_have_count(0)
    expect(page.locator("textarea")).to_have_count(0)
    expect(page.locator(".reply-refused")).to_contain_text("Your account is silenced")
    for post in (other_post, own_post):
        tools = page.locator(f"#post-{post.pk}")
        expect(tools.get_by_role("link", name="Report")).to_have_count(0)
        expect(tools.get_by_role("link", name="Reply")).to_have_count(0)
        expect(tools.get_by_role("link", name="Edit")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "silenced-member-thread.png"), full_page=True)

    page.goto(f"{live_server.url}/accounts/settings/")
    expect(page.get_by_label("Display name")).to_be_disabled()
    expect(page.get_by_label("About you")).to_be_disabled()
    page.screenshot(path=str(ARTIFACTS / "silenced-member-settings.png"), full_page=True)

    banner.get_by_role("link", name="Appeal this decision").click()
    page.get_by_label("Why should moderators look again?").fill("I lost my temper; sorry.")
    page.get_by_role("button", name="Send appeal").click()
    expect(page.get_by_text("waiting for a moderator")).to_be_visible()
    assert console_errors == []
