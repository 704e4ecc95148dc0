"""In Chromium: muting a member from their profile folds their posts (opened with a click,
no script needed), and a reply held by an automatic check and then approved is one
notification, saying so, with an excerpt of the reply."""

import pytest
from django.db import transaction
from playwright.sync_api import expect

from moderation import actions, pipeline
from tests.browser import clean_slate, log_in  # noqa: F401
from tests.conftest import ARTIFACTS
from tests.factories import UserFactory, make_reply, make_thread
from tests.moderation.conftest import watched_words_rule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_mute_a_member_from_their_profile_and_their_post_folds(
    live_server, browser, category, javascript
):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    reader = UserFactory(username="reader")
    loud = UserFactory(username="loud", display_name="Loud Larry")
    thread = make_thread(author=reader, category=category, title="Harvest notes")
    noisy = make_reply(thread=thread, author=loud, body="LOUD OPINIONS about turnips.")
    make_reply(thread=thread, author=UserFactory(username="calm"), parent=noisy, body="Calm.")
    log_in(page, live_server, reader.username)

    page.goto(f"{live_server.url}/u/{loud.username}/")
    page.get_by_role("button", name="Mute").click()
    expect(page.get_by_text("You have muted Loud Larry")).to_be_visible()
    page.goto(live_server.url + thread.get_absolute_url())

    fold = page.locator(f"#post-{noisy.pk} details.muted-post")
    summary = fold.locator(":scope > summary")  # not the bookmark form's, inside the fold
    expect(summary).to_have_text("Post by Loud Larry (@loud), whom you muted — show")
    expect(page.get_by_text("LOUD OPINIONS about turnips.")).to_be_hidden()
    expect(page.get_by_text("Calm.", exact=True)).to_be_visible()  # the reply stays
    page.screenshot(
        path=str(ARTIFACTS / f"web-muted-post-folded-{'js' if javascript else 'nojs'}.png"),
        full_page=True,
    )

    summary.click()
    expect(page.get_by_text("LOUD OPINIONS about turnips.")).to_be_visible()
    page.screenshot(
        path=str(ARTIFACTS / f"web-muted-post-opened-{'js' if javascript else 'nojs'}.png"),
        full_page=True,
    )
    context.close()


def test_a_held_then_approved_reply_is_one_notification_saying_so(
    live_server, page, category, moderator, console_errors
):
    watched_words_rule(moderator, ["free seeds"], action="require_approval", name="Offers")
    writer = UserFactory(username="writer")
    thread = make_thread(author=moderator, category=category, title="Seed swap")
    reply = make_reply(thread=thread, author=writer, body="I have **free seeds** for anyone.")
    reply.refresh_from_db()
    with transaction.atomic():  # the hold tells its author as it commits
        pipeline.revision_check(revision_id=reply.current_revision_id)
    log_in(page, live_server, writer.username)

    page.goto(f"{live_server.url}/notifications/")
    item = page.locator(".notification-list li")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(
        "Your reply in “Seed swap” was held for a moderator's review by an automatic check "
        "(wording)"
    )
    expect(item.get_by_role("link")).not_to_contain_text("Offers")  # the rule stays unnamed
    page.screenshot(path=str(ARTIFACTS / "web-notification-held.png"), full_page=True)

    with transaction.atomic():
        actions.perform("approve", actor=moderator, target=reply)
    page.reload()

    expect(item).to_have_count(1)
    expect(item.get_by_role("link")).to_have_text(
        "Your reply in “Seed swap” was approved by a moderator and is now visible"
    )
    expect(item.locator("blockquote.excerpt")).to_have_text("I have free seeds for anyone.")
    page.screenshot(path=str(ARTIFACTS / "web-notification-approved.png"), full_page=True)
    item.get_by_role("link").click()
    expect(page.locator(f"#post-{reply.pk}")).to_contain_text("I have free seeds for anyone.")
    assert console_errors == []
